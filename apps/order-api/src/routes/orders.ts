import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Pool } from '@orderflow/pg';
import type { OrderWriter } from '../intake/order-writer.ts';
import { newOrder } from '../intake/new-order.ts';
import { AdminTokenRequired, InvalidAdminToken } from '../errors.ts';
import type { OrderApiMetrics } from '../metrics.ts';
import { adminAuth } from '../orders/admin-token.ts';
import { getOrder, listOrders } from '../orders/order-queries.ts';
import { AuthorizationHeaders, CreateOrderBody, IdempotencyHeaders, ListOrdersQuery, OrderIdParams, OrderPage } from '../schemas.ts';

/** What the order routes need. */
export interface OrderRoutesOptions {
  pool: Pool;
  writer: OrderWriter;
  metrics: OrderApiMetrics;
  /** Bearer token allowed to list every customer's orders; unset: nobody may. */
  adminToken?: string | undefined;
}

const errorRef = Type.Ref('Error');

// Every route can fail unexpectedly (500) or while PostgreSQL is unreachable (503, retriable).
const serverErrors = { 500: errorRef, 503: errorRef };

/** `POST /orders`, `GET /orders/:id`, `GET /orders`. */
export const orderRoutes: FastifyPluginCallbackTypebox<OrderRoutesOptions> = (app, { pool, writer, metrics, adminToken }, done) => {
  app.post(
    '/orders',
    {
      schema: {
        summary: 'Place an order',
        description:
          'Stores the order and its order.created event in one transaction. With an Idempotency-Key, a repeat returns the first order (200) and never creates a second one.',
        tags: ['orders'],
        headers: IdempotencyHeaders,
        body: CreateOrderBody,
        response: { 201: Type.Ref('Order'), 200: Type.Ref('Order'), 400: errorRef, 413: errorRef, 415: errorRef, 422: errorRef, ...serverErrors },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const { order, created } = await writer.submit(newOrder(request.body, key));
      metrics.ordersAccepted.inc({ outcome: created ? 'created' : 'replayed' });
      void reply.header('location', `/orders/${order.id}`);
      if (!created) void reply.header('idempotent-replayed', 'true');
      return reply.status(created ? 201 : 200).send(order);
    },
  );

  app.get(
    '/orders/:id',
    {
      schema: {
        summary: 'One order with its current status',
        tags: ['orders'],
        params: OrderIdParams,
        response: { 200: Type.Ref('Order'), 400: errorRef, 404: errorRef, ...serverErrors },
      },
    },
    async (request) => getOrder(pool, request.params.id),
  );

  app.get(
    '/orders',
    {
      schema: {
        summary: 'Orders, newest first, one page at a time',
        description:
          "With `customerId`: that customer's orders. Without it: every customer's orders, only with the admin bearer token (`ORDERS_ADMIN_TOKEN`); otherwise 401 ORDERS_ERR_ADMIN_TOKEN_REQUIRED. A wrong token is always 401 ORDERS_ERR_INVALID_TOKEN.",
        tags: ['orders'],
        headers: AuthorizationHeaders,
        querystring: ListOrdersQuery,
        security: [{}, { adminBearer: [] }],
        response: { 200: OrderPage, 400: errorRef, 401: errorRef, ...serverErrors },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const auth = adminAuth(request.headers.authorization, adminToken);
      if (auth === 'invalid' || (auth === 'none' && q.customerId === undefined)) {
        void reply.header('www-authenticate', 'Bearer realm="order-api"');
        throw auth === 'invalid' ? new InvalidAdminToken([]) : new AdminTokenRequired([]);
      }
      return listOrders(pool, {
        limit: q.limit === undefined ? 20 : Number(q.limit),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
        ...(q.customerId === undefined ? {} : { customerId: q.customerId }),
        ...(q.status === undefined ? {} : { status: q.status }),
      });
    },
  );
  done();
};
