/** Exchange names of the order topology (see docs/order-messaging.md). */
export const EXCHANGES = {
  /** direct: order events, routing key = event type. */
  orders: 'orders',
  /** headers: `priority=high` and `region=<r>` to dedicated queues; bound to `orders` for `order.created`. */
  routing: 'orders.routing',
  /** fanout: inventory reservations to every subscriber; bound to `orders` for `order.created`. */
  inventory: 'inventory',
  /** topic: `log.<region>.<level>`. */
  logs: 'logs',
  /** direct: delay queues of the payment retries, routing key = attempt number. */
  paymentsRetry: 'payments.retry',
  /** direct: dead letters of the payments queue. */
  paymentsDead: 'payments.dlx',
} as const;

/** Event types, also the routing keys on the `orders` exchange. */
export const EVENT_TYPES = {
  orderCreated: 'order.created',
  orderStatusChanged: 'order.status_changed',
} as const;

/** Queue names of the order topology. */
export const QUEUES = {
  payments: 'payments',
  paymentsDead: 'payments.dlq',
  priorityHigh: 'orders.priority.high',
  inventoryBilling: 'inventory.billing',
  inventoryNotifications: 'inventory.notifications',
  logsErrors: 'logs.errors',
  logsAsia: 'logs.asia',
  /** `orders.region.<region>` */
  region: (region: string): string => `orders.region.${region}`,
  /** `payments.retry.<attempt>` (1-based) */
  paymentsRetry: (attempt: number): string => `payments.retry.${attempt}`,
} as const;

/** Message header names set by the outbox relay. */
export const HEADERS = {
  priority: 'priority',
  region: 'region',
  orderId: 'x-orderflow-order-id',
  /** Why a message was dead-lettered (set by the consumer that gave up). */
  deadReason: 'x-orderflow-reason',
} as const;

/** Routing key on the `logs` topic exchange. */
export function logRoutingKey(region: string, level: string): string {
  return `log.${region}.${level}`;
}
