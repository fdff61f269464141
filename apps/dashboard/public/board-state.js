// The board's state in the page, without any DOM: what the snapshot said plus the changes
// applied since, and the rules that keep it from ever going stale or backwards. Plain ES module,
// shared by the page and its unit test.

/**
 * @typedef {{ orderId: string, status: string, version: number, region: string, updatedAt: string,
 *   reason?: string, currency?: string, totalMinor?: number, priority?: string }} BoardOrder
 * @typedef {{ windowStart: string, windowEnd: string, orderCount: number, tps: number,
 *   revenueMinorByCurrency: Record<string, number>, final: boolean, emittedAt: string }} OrderStats
 * @typedef {{ alertId: string, kind: string, windowStart: string, observed: number,
 *   expected: number | null, threshold: number | null, message: string, emittedAt: string }} OrderAlert
 * @typedef {{ maxOrders: number, maxAgeSeconds: number, maxWindows: number, maxAlerts: number }} Limits
 * @typedef {{ seq: number, orders: BoardOrder[], stats: OrderStats[], alerts: OrderAlert[], limits: Limits }} Snapshot
 * @typedef {{ seq: number, kind: 'order', data: BoardOrder } | { seq: number, kind: 'stats', data: OrderStats }
 *   | { seq: number, kind: 'alert', data: OrderAlert }} Change
 */

/** Heartbeats in a row that may show a newer sequence number before the page resyncs (one may race a change in flight). */
export const STALE_HEARTBEATS_BEFORE_RESYNC = 2;

export class BoardState {
  constructor() {
    /** @type {Map<string, BoardOrder>} */
    this.orders = new Map();
    /** @type {Map<string, OrderStats>} */
    this.stats = new Map();
    /** @type {Map<string, OrderAlert>} */
    this.alerts = new Map();
    /** Sequence number of the last change applied; -1 until the first snapshot. */
    this.seq = -1;
    /** @type {Limits} */
    this.limits = { maxOrders: 200, maxAgeSeconds: 3600, maxWindows: 30, maxAlerts: 50 };
    this.staleHeartbeats = 0;
  }

  /** Replaces everything with a snapshot. @param {Snapshot} snapshot */
  applySnapshot(snapshot) {
    this.orders = new Map(snapshot.orders.map((o) => [o.orderId, o]));
    this.stats = new Map(snapshot.stats.map((s) => [s.windowStart, s]));
    this.alerts = new Map(snapshot.alerts.map((a) => [a.alertId, a]));
    this.seq = snapshot.seq;
    this.limits = snapshot.limits;
    this.staleHeartbeats = 0;
  }

  /**
   * Applies the change that follows the last one. `stale`: already in the snapshot or applied;
   * `gap`: one or more changes were missed, so the page must resync; `unsynced`: no snapshot yet.
   * An order never moves to a lower version, whatever arrives.
   * @param {Change} change
   * @returns {'applied' | 'stale' | 'gap' | 'unsynced'}
   */
  applyChange(change) {
    if (this.seq < 0) return 'unsynced';
    if (change.seq <= this.seq) return 'stale';
    if (change.seq !== this.seq + 1) return 'gap';
    this.seq = change.seq;
    this.staleHeartbeats = 0;
    if (change.kind === 'order') {
      const current = this.orders.get(change.data.orderId);
      if (current === undefined || current.version < change.data.version) this.orders.set(change.data.orderId, change.data);
      trimOldest(this.orders, this.limits.maxOrders, (o) => o.updatedAt);
    } else if (change.kind === 'stats') {
      this.stats.set(change.data.windowStart, change.data);
      trimOldest(this.stats, this.limits.maxWindows, (s) => s.windowStart);
    } else if (change.kind === 'alert') {
      this.alerts.set(change.data.alertId, change.data);
      trimOldest(this.alerts, this.limits.maxAlerts, (a) => a.windowStart);
    }
    return 'applied';
  }

  /**
   * The server's latest sequence number. True when the page should resync: it stayed behind for
   * {@link STALE_HEARTBEATS_BEFORE_RESYNC} heartbeats, so a change was lost (a Pub/Sub drop).
   * @param {number} latestSeq
   */
  heartbeat(latestSeq) {
    if (this.seq < 0 || latestSeq <= this.seq) {
      this.staleHeartbeats = 0;
      return false;
    }
    this.staleHeartbeats += 1;
    return this.staleHeartbeats >= STALE_HEARTBEATS_BEFORE_RESYNC;
  }

  /** Orders to show, most recently changed first, without those older than the board keeps. @param {number} now epoch ms */
  recentOrders(now) {
    const oldest = now - this.limits.maxAgeSeconds * 1000;
    return [...this.orders.values()].filter((o) => Date.parse(o.updatedAt) >= oldest).sort(byNewest((o) => o.updatedAt));
  }

  /** The newest window (the current minute) and the newest final one. */
  currentStats() {
    const windows = [...this.stats.values()].sort(byNewest((s) => s.windowStart));
    return { current: windows[0], lastFinal: windows.find((s) => s.final) };
  }

  /** Alerts, newest window first. */
  recentAlerts() {
    return [...this.alerts.values()].sort(byNewest((a) => a.windowStart));
  }
}

/** @template T @param {(item: T) => string} key ISO timestamps compare as text */
function byNewest(key) {
  return (/** @type {T} */ a, /** @type {T} */ b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0);
}

/** @template T @param {Map<string, T>} map @param {number} max @param {(item: T) => string} key */
function trimOldest(map, max, key) {
  while (map.size > max) {
    let oldestId;
    let oldest;
    for (const [id, item] of map) {
      if (oldest === undefined || key(item) < oldest) {
        oldest = key(item);
        oldestId = id;
      }
    }
    if (oldestId === undefined) return;
    map.delete(oldestId);
  }
}
