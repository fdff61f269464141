import type { OrderCreatedEvent, OrderStatusChangedEvent } from '@orderflow/messaging';
import type { Redis, Result, ClientContext } from 'ioredis';
import type { OrderAlertRecord as OrderAlert, OrderStatsRecord as OrderStats } from '@orderflow/kafka';
import type { BoardOrder, BoardSnapshot } from './board-messages.ts';
import { APPLY_ALERT, APPLY_ORDER, APPLY_STATS, SNAPSHOT } from './board-scripts.ts';
import { BoardStoreUnavailable } from './errors.ts';

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext> {
    boardApplyOrder(...args: (string | number)[]): Result<number, Context>;
    boardApplyStats(...args: (string | number)[]): Result<number, Context>;
    boardApplyAlert(...args: (string | number)[]): Result<number, Context>;
    boardSnapshot(...args: (string | number)[]): Result<[number, string[], (string | null)[], (string | null)[]], Context>;
  }
}

/** Bounds of what the board keeps. */
export interface BoardLimits {
  maxOrders: number;
  maxAgeSeconds: number;
  /** How long an order's last version is remembered after its last change. */
  orderStateTtlSeconds: number;
  maxWindows: number;
  maxAlerts: number;
}

/** Where the board lives in Redis: every key and the channel start with `prefix`. */
export function boardKeys(prefix: string) {
  return {
    seq: `${prefix}seq`,
    orderPrefix: `${prefix}order:`,
    recent: `${prefix}recent`,
    stats: `${prefix}stats`,
    statsRank: `${prefix}stats:rank`,
    windows: `${prefix}stats:windows`,
    alerts: `${prefix}alerts`,
    alertOrder: `${prefix}alerts:order`,
    channel: `${prefix}changes`,
  } as const;
}

/** The event as the board stores it; order.created carries the details a status change lacks. */
export function toBoardOrder(event: OrderCreatedEvent | OrderStatusChangedEvent): BoardOrder {
  if (event.type === 'order.created') {
    const { order } = event;
    return {
      orderId: event.orderId,
      status: 'accepted',
      version: 1,
      region: order.region,
      updatedAt: event.occurredAt,
      currency: order.currency,
      totalMinor: order.totalMinor,
      priority: order.priority,
    };
  }
  return {
    orderId: event.orderId,
    status: event.to,
    version: event.version,
    region: event.region,
    updatedAt: event.occurredAt,
    ...(event.reason === undefined ? {} : { reason: event.reason }),
  };
}

// A final record beats every non-final one of its window; within each, the later emission wins.
const FINAL_RANK = 1e13;

function parseAll<T>(items: readonly (string | null)[]): T[] {
  const out: T[] = [];
  for (const item of items) if (item !== null) out.push(JSON.parse(item) as T);
  return out;
}

/**
 * The board's state in Redis: per-order versioned entries, the recent-orders sorted set, the
 * last statistics windows and alerts, one sequence counter and the change channel. Every write
 * is a compare-and-set in Lua that publishes what it changed, so every replica's subscribers see
 * each change once, in sequence order; writes that would not change anything publish nothing.
 */
export class BoardStore {
  readonly #redis: Redis;
  readonly #keys: ReturnType<typeof boardKeys>;
  readonly limits: BoardLimits;

  constructor(redis: Redis, prefix: string, limits: BoardLimits) {
    this.#redis = redis;
    this.#keys = boardKeys(prefix);
    this.limits = limits;
    redis.defineCommand('boardApplyOrder', { numberOfKeys: 3, lua: APPLY_ORDER });
    redis.defineCommand('boardApplyStats', { numberOfKeys: 4, lua: APPLY_STATS });
    redis.defineCommand('boardApplyAlert', { numberOfKeys: 3, lua: APPLY_ALERT });
    redis.defineCommand('boardSnapshot', { numberOfKeys: 6, lua: SNAPSHOT });
  }

  /** The Pub/Sub channel every change is published on. */
  get channel(): string {
    return this.#keys.channel;
  }

  /** Applies an order event unless a newer or equal version is stored; the change's sequence number, or 0. */
  async applyOrderEvent(event: OrderCreatedEvent | OrderStatusChangedEvent, now = Date.now()): Promise<number> {
    const entry = toBoardOrder(event);
    const k = this.#keys;
    return this.#redis.boardApplyOrder(
      k.seq,
      k.orderPrefix + entry.orderId,
      k.recent,
      entry.orderId,
      entry.version,
      JSON.stringify(entry),
      Date.parse(entry.updatedAt),
      this.limits.maxOrders,
      now - this.limits.maxAgeSeconds * 1000,
      this.limits.orderStateTtlSeconds,
      k.channel,
      event.type === 'order.created' ? '1' : '0',
    );
  }

  /** Keeps the newest record of a window (final beats non-final); the change's sequence number, or 0. */
  async applyStats(stats: OrderStats): Promise<number> {
    const k = this.#keys;
    const rank = (stats.final ? FINAL_RANK : 0) + Date.parse(stats.emittedAt);
    return this.#redis.boardApplyStats(k.seq, k.stats, k.statsRank, k.windows, stats.windowStart, rank, JSON.stringify(stats), Date.parse(stats.windowStart), this.limits.maxWindows, k.channel);
  }

  /** Adds an alert once per id (a replay repeats the id); the change's sequence number, or 0. */
  async applyAlert(alert: OrderAlert): Promise<number> {
    const k = this.#keys;
    return this.#redis.boardApplyAlert(k.seq, k.alerts, k.alertOrder, alert.alertId, JSON.stringify(alert), Date.parse(alert.windowStart), this.limits.maxAlerts, k.channel);
  }

  /** Everything the page shows, at one instant, with the sequence number it corresponds to. */
  async snapshot(now = Date.now()): Promise<BoardSnapshot> {
    const k = this.#keys;
    let raw: [number, string[], (string | null)[], (string | null)[]];
    try {
      raw = await this.#redis.boardSnapshot(k.seq, k.recent, k.stats, k.windows, k.alerts, k.alertOrder, k.orderPrefix, this.limits.maxOrders, now - this.limits.maxAgeSeconds * 1000);
    } catch (err) {
      throw new BoardStoreUnavailable([(err as Error).message], { cause: err });
    }
    const [seq, orders, stats, alerts] = raw;
    return {
      kind: 'snapshot',
      seq: Number(seq),
      orders: parseAll<BoardOrder>(orders),
      stats: parseAll<OrderStats>(stats),
      alerts: parseAll<OrderAlert>(alerts),
      limits: { maxOrders: this.limits.maxOrders, maxAgeSeconds: this.limits.maxAgeSeconds, maxWindows: this.limits.maxWindows, maxAlerts: this.limits.maxAlerts },
    };
  }

  /** The sequence number of the newest change. */
  async latestSeq(): Promise<number> {
    try {
      return Number((await this.#redis.get(this.#keys.seq)) ?? 0);
    } catch (err) {
      throw new BoardStoreUnavailable([(err as Error).message], { cause: err });
    }
  }
}
