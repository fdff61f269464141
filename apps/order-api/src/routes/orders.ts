import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Pool } from '@orderflow/pg';
import type { OrderWriter } from '../intake/order-writer.ts';
import { newOrder } from '../intake/new-order.ts';
import type { OrderApiMetrics } from '../metrics.ts';
import { getOrder, listOrders } from '../orders/order-queries.ts';
import { CreateOrderBody, IdempotencyHeaders, ListOrdersQuery, OrderIdParams, OrderPage } from '../schemas.ts';

/** What the order routes need. */
export interface OrderRoutesOptions {
  pool: Pool;
  writer: OrderWriter;
  metrics: OrderApiMetrics;
}

const errorRef = Type.Ref('Error');

/** `POST /orders`, `GET /orders/:id`, `GET /orders`. */
export const orderRoutes: FastifyPluginCallbackTypebox<OrderRoutesOptions> = (app, { pool, writer, metrics }, done) => {
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
        response: { 201: Type.Ref('Order'), 200: Type.Ref('Order'), 400: errorRef, 413: errorRef, 415: errorRef, 422: errorRef, 503: errorRef },
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
        response: { 200: Type.Ref('Order'), 400: errorRef, 404: errorRef },
      },
    },
    async (request) => getOrder(pool, request.params.id),
  );

  app.get(
    '/orders',
    {
      schema: {
        summary: 'Orders, newest first, one page at a time',
        tags: ['orders'],
        querystring: ListOrdersQuery,
        response: { 200: OrderPage, 400: errorRef },
      },
    },
    async (request) => {
      const q = request.query;
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
