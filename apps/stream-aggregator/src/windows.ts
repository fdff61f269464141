/** One window's figures as emitted (without the emission time). */
export interface WindowFigures {
  windowStart: string;
  windowEnd: string;
  orderCount: number;
  tps: number;
  revenueMinorByCurrency: Record<string, number>;
  final: boolean;
}

/** What became of one event offered to the windows. */
export type AddOutcome = 'counted' | 'duplicate' | 'late';

/** The persisted form of an open window (changelog value). */
export interface OpenWindowState {
  start: number;
  count: number;
  revenue: Record<string, number>;
  eventIds: string[];
}

/** The persisted form of the clock and history (changelog value under the meta key). */
export interface WindowClockState {
  /** Latest event time seen per source partition. */
  partitionTimes: Record<string, number>;
  lastFinal: number | null;
  /** Counts of the latest final windows, oldest first (the sigma rule's history). */
  history: number[];
}

interface OpenWindow {
  start: number;
  count: number;
  revenue: Map<string, number>;
  /** Event ids counted here: a re-sent event (same id) is counted once. */
  eventIds: Set<string>;
}

/** What one `close()` produced: updated open windows, and windows that just became final in order. */
export interface ClosedWindows {
  updates: WindowFigures[];
  finals: { figures: WindowFigures; history: number[] }[];
}

/**
 * One-minute (by default) tumbling windows on event time with bounded allowed lateness.
 * Each source partition is in event-time order only with itself, so the watermark is the
 * EARLIEST of the partitions' latest event times (a partition read ahead of the others must not
 * close windows the others still feed), leaving out partitions idle for `idlePartitionMs` of
 * processing time (a quiet partition must not hold every window open forever). A window
 * becomes final once the watermark has passed its end plus the allowed lateness, and every
 * window between two final ones is final too, empty or not (a minute without orders is a
 * figure, 0). An event for a final window is late and dropped; an event id seen before in its
 * window is a duplicate and dropped.
 */
export class WindowStore {
  readonly #windowMs: number;
  readonly #latenessMs: number;
  readonly #historySize: number;
  readonly #open = new Map<number, OpenWindow>();
  readonly #dirty = new Set<number>();
  /**
   * Per partition: latest event time (null: assigned, nothing read yet), and when (processing
   * time) it was assigned or last had a record.
   */
  readonly #partitions = new Map<number, { eventTime: number | null; seenAt: number }>();
  readonly #idleMs: number;
  #lastFinal: number | null = null;
  #history: number[] = [];

  constructor(options: { allowedLatenessMs: number; historySize: number; idlePartitionMs: number; windowMs?: number }) {
    this.#windowMs = options.windowMs ?? 60_000;
    this.#idleMs = options.idlePartitionMs;
    this.#latenessMs = options.allowedLatenessMs;
    this.#historySize = options.historySize;
  }

  /**
   * Offers one event read from `partition` at processing time `nowMs`: counts it when it is an
   * order (`order` set), and moves that partition's clock either way.
   */
  add(eventId: string, occurredAtMs: number, order: { currency: string; totalMinor: number } | undefined, partition: number, nowMs: number): AddOutcome {
    const clock = this.#partitions.get(partition);
    this.#partitions.set(partition, { eventTime: Math.max(clock?.eventTime ?? occurredAtMs, occurredAtMs), seenAt: nowMs });
    return this.#count(eventId, occurredAtMs, order);
  }

  /**
   * The partitions this instance now reads (after a restart, a rebalance, added partitions).
   * One not read from yet holds the watermark back until it has a record or goes idle: events
   * waiting in a new partition must not find their window already final.
   */
  assigned(partitions: readonly number[], nowMs: number): void {
    for (const p of partitions) if (!this.#partitions.has(p)) this.#partitions.set(p, { eventTime: null, seenAt: nowMs });
  }

  #count(eventId: string, occurredAtMs: number, order: { currency: string; totalMinor: number } | undefined): AddOutcome {
    const start = Math.floor(occurredAtMs / this.#windowMs) * this.#windowMs;
    if (this.#lastFinal !== null && start <= this.#lastFinal) return 'late';
    if (order === undefined) return 'counted';
    let w = this.#open.get(start);
    if (w === undefined) {
      w = { start, count: 0, revenue: new Map(), eventIds: new Set() };
      this.#open.set(start, w);
    }
    if (w.eventIds.has(eventId)) return 'duplicate';
    w.eventIds.add(eventId);
    w.count += 1;
    w.revenue.set(order.currency, (w.revenue.get(order.currency) ?? 0) + order.totalMinor);
    this.#dirty.add(start);
    return 'counted';
  }

  /** The event time every active partition has reached (null before any event, or while an active partition has none yet). */
  watermark(nowMs: number): number | null {
    const all = [...this.#partitions.values()];
    const times = all.flatMap((p) => (p.eventTime === null ? [] : [p.eventTime]));
    if (times.length === 0) return null;
    const active = all.filter((p) => nowMs - p.seenAt < this.#idleMs);
    if (active.some((p) => p.eventTime === null)) return null;
    // Every partition idle: nothing is in flight, the latest event time stands.
    return active.length === 0 ? Math.max(...times) : Math.min(...active.map((p) => p.eventTime ?? Number.NEGATIVE_INFINITY));
  }

  /** Emits what changed since the last call (at processing time `nowMs`): newly final windows, then updated open ones. */
  close(nowMs: number): ClosedWindows {
    const finals: ClosedWindows['finals'] = [];
    const watermark = this.watermark(nowMs);
    if (watermark !== null) {
      // The last window whose end + lateness the watermark has reached.
      const closable = Math.floor((watermark - this.#latenessMs) / this.#windowMs) * this.#windowMs - this.#windowMs;
      const openStarts = [...this.#open.keys()];
      let next = this.#lastFinal === null ? (openStarts.length === 0 ? null : Math.min(...openStarts)) : this.#lastFinal + this.#windowMs;
      while (next !== null && next <= closable) {
        const w = this.#open.get(next);
        const figures = this.#figures(next, w, true);
        finals.push({ figures, history: [...this.#history] });
        this.#history.push(figures.orderCount);
        if (this.#history.length > this.#historySize) this.#history.shift();
        this.#open.delete(next);
        this.#dirty.delete(next);
        this.#lastFinal = next;
        next += this.#windowMs;
      }
    }
    const updates = [...this.#dirty].sort((a, b) => a - b).map((start) => this.#figures(start, this.#open.get(start), false));
    this.#dirty.clear();
    return { updates, finals };
  }

  #figures(start: number, w: OpenWindow | undefined, final: boolean): WindowFigures {
    const count = w?.count ?? 0;
    return {
      windowStart: new Date(start).toISOString(),
      windowEnd: new Date(start + this.#windowMs).toISOString(),
      orderCount: count,
      tps: count / (this.#windowMs / 1000),
      revenueMinorByCurrency: Object.fromEntries([...(w?.revenue ?? new Map<string, number>())].sort(([a], [b]) => a.localeCompare(b))),
      final,
    };
  }

  /** The open windows and the clock, to persist (changelog) and restore. */
  snapshot(): { open: OpenWindowState[]; clock: WindowClockState } {
    return {
      open: [...this.#open.values()].map((w) => ({ start: w.start, count: w.count, revenue: Object.fromEntries(w.revenue), eventIds: [...w.eventIds] })),
      clock: { partitionTimes: Object.fromEntries([...this.#partitions].flatMap(([p, c]) => (c.eventTime === null ? [] : [[String(p), c.eventTime]]))), lastFinal: this.#lastFinal, history: [...this.#history] },
    };
  }

  /**
   * Replaces the state with a persisted one (windows at or before `lastFinal` are ignored);
   * restored partitions count as active from `nowMs`.
   */
  restore(open: OpenWindowState[], clock: WindowClockState, nowMs: number): void {
    this.#open.clear();
    this.#dirty.clear();
    this.#partitions.clear();
    for (const [p, eventTime] of Object.entries(clock.partitionTimes)) this.#partitions.set(Number(p), { eventTime, seenAt: nowMs });
    this.#lastFinal = clock.lastFinal;
    this.#history = clock.history.slice(-this.#historySize);
    for (const w of open) {
      if (clock.lastFinal !== null && w.start <= clock.lastFinal) continue;
      this.#open.set(w.start, { start: w.start, count: w.count, revenue: new Map(Object.entries(w.revenue)), eventIds: new Set(w.eventIds) });
    }
  }
}
