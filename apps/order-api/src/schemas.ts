import { Type, type Static } from '@sinclair/typebox';
import { CURRENCIES, OrderItem, OrderStatus, Priority, Region } from '@orderflow/messaging';

/** Body of `POST /orders`. */
export const CreateOrderBody = Type.Object(
  {
    customerId: Type.String({ minLength: 1, maxLength: 64 }),
    region: Region,
    priority: Type.Optional(Priority),
    currency: Type.String({
      pattern: '^[A-Z]{3}$',
      description: `ISO 4217 code; accepted: ${CURRENCIES.join(', ')}`,
      examples: ['EUR'],
    }),
    items: Type.Array(OrderItem, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false, $id: 'CreateOrder' },
);
export type CreateOrderBody = Static<typeof CreateOrderBody>;

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Repeat the same key to get the same order back instead of a second one.' }),
  ),
});

/** `Authorization: Bearer <admin token>`, needed to list every customer's orders. */
export const AuthorizationHeaders = Type.Object({
  authorization: Type.Optional(Type.String({ maxLength: 512, description: 'Bearer <admin token>' })),
});

/** An order as the API returns it. */
export const OrderView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    status: OrderStatus,
    customerId: Type.String(),
    region: Region,
    priority: Priority,
    currency: Type.String(),
    totalMinor: Type.Integer(),
    items: Type.Array(OrderItem),
    version: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Order' },
);
export type OrderView = Static<typeof OrderView>;

export const OrderIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const ListOrdersQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100, default 20' })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$', description: 'nextCursor of the previous page (opaque; any other value is 400 ORDERS_ERR_INVALID_CURSOR)' })),
    customerId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    status: Type.Optional(OrderStatus),
  },
  { additionalProperties: false },
);

export const OrderPage = Type.Object({
  items: Type.Array(Type.Ref('Order')),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const ErrorBody = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    statusCode: Type.Integer(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'Error' },
);
