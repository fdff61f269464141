import { Type, type Static } from '@sinclair/typebox';

/** ISO 4217 currencies orderflow accepts; anything else is refused at intake. */
export const CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY', 'CHF', 'SGD', 'INR'] as const;
/** Regions with dedicated queues on the headers exchange. */
export const REGIONS = ['eu', 'us', 'asia'] as const;
export const PRIORITIES = ['normal', 'high'] as const;
/** Order statuses, in the order an order normally moves through them. */
export const ORDER_STATUSES = ['accepted', 'payment_pending', 'paid', 'payment_failed'] as const;

export const Currency = Type.Union(
  CURRENCIES.map((c) => Type.Literal(c)),
  { description: 'ISO 4217 code', examples: ['EUR'] },
);
export const Region = Type.Union(REGIONS.map((r) => Type.Literal(r)));
export const Priority = Type.Union(PRIORITIES.map((p) => Type.Literal(p)));
export const OrderStatus = Type.Union(ORDER_STATUSES.map((s) => Type.Literal(s)));

export const OrderItem = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
    /** Price of one unit in the currency's minor unit (cents). */
    unitPriceMinor: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
  },
  { additionalProperties: false },
);

/** An order as it travels in events. */
export const Order = Type.Object({
  id: Type.String({ format: 'uuid' }),
  customerId: Type.String({ minLength: 1, maxLength: 64 }),
  region: Region,
  priority: Priority,
  currency: Currency,
  totalMinor: Type.Integer({ minimum: 0 }),
  items: Type.Array(OrderItem, { minItems: 1, maxItems: 100 }),
});

const eventBase = {
  eventId: Type.String({ format: 'uuid' }),
  occurredAt: Type.String({ format: 'date-time' }),
  orderId: Type.String({ format: 'uuid' }),
};

/** Body of `order.created` (routing key on `orders`). */
export const OrderCreatedEvent = Type.Object({
  ...eventBase,
  type: Type.Literal('order.created'),
  order: Order,
});

/** Body of `order.status_changed`, written only by `@orderflow/order-status`. */
export const OrderStatusChangedEvent = Type.Object({
  ...eventBase,
  type: Type.Literal('order.status_changed'),
  from: OrderStatus,
  to: OrderStatus,
  /** `orders.version` after the change; consumers drop events older than what they have seen. */
  version: Type.Integer({ minimum: 1 }),
  reason: Type.Optional(Type.String()),
  region: Region,
});

/** Body of a message on the `logs` topic exchange (`log.<region>.<level>`). */
export const LogEvent = Type.Object({
  eventId: Type.String({ format: 'uuid' }),
  occurredAt: Type.String({ format: 'date-time' }),
  type: Type.Literal('log'),
  level: Type.Union([Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')]),
  region: Region,
  message: Type.String(),
  orderId: Type.Optional(Type.String({ format: 'uuid' })),
});

export type Currency = Static<typeof Currency>;
export type Region = Static<typeof Region>;
export type Priority = Static<typeof Priority>;
export type OrderStatus = Static<typeof OrderStatus>;
export type OrderItem = Static<typeof OrderItem>;
export type Order = Static<typeof Order>;
export type OrderCreatedEvent = Static<typeof OrderCreatedEvent>;
export type OrderStatusChangedEvent = Static<typeof OrderStatusChangedEvent>;
export type LogEvent = Static<typeof LogEvent>;
