import type { OrderStatus, Region } from '@orderflow/messaging';
import type { OrderAlertRecord as OrderAlert, OrderStatsRecord as OrderStats } from '@orderflow/kafka';

/** One order as the board shows it: the state after its newest applied event. */
export interface BoardOrder {
  orderId: string;
  status: OrderStatus;
  /** `orders.version` of that state (1 = created); the board never goes back to a lower one. */
  version: number;
  region: Region;
  /** `occurredAt` of the event: when the change was committed in order-api's database. */
  updatedAt: string;
  reason?: string;
  /** From order.created, when it has been seen. */
  currency?: string;
  totalMinor?: number;
  priority?: string;
}

/**
 * A change on the Redis channel and on the WebSocket: `seq` is one counter for the whole board,
 * so a receiver that sees `seq` jump by more than one knows it missed something.
 */
export type BoardChange =
  | { seq: number; kind: 'order'; data: BoardOrder }
  | { seq: number; kind: 'stats'; data: OrderStats }
  | { seq: number; kind: 'alert'; data: OrderAlert };

/** Everything the page shows, read at one instant; changes with `seq` above it follow. */
export interface BoardSnapshot {
  kind: 'snapshot';
  seq: number;
  /** Newest change first, at most `limits.maxOrders`. */
  orders: BoardOrder[];
  /** Oldest window first. */
  stats: OrderStats[];
  /** Newest window first. */
  alerts: OrderAlert[];
  limits: { maxOrders: number; maxAgeSeconds: number; maxWindows: number; maxAlerts: number };
}

/** Sent every heartbeat interval: the board's latest sequence number, so an idle page notices a lost change. */
export interface BoardHeartbeat {
  kind: 'heartbeat';
  latestSeq: number;
}
