import type { Client } from '@opensearch-project/opensearch';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ORDER_STATUSES } from '@orderflow/messaging';
import type { IndexNames } from '../index-layout.ts';
import { decodeCursor, encodeCursor, type SortValues } from './cursor.ts';
import { OrderFilters, filterQuery } from './filters.ts';

/** What the search routes need. */
export interface SearchRouteOptions {
  client: Client;
  names: IndexNames;
}

const OrderDoc = Type.Object({
  orderId: Type.String(),
  customerId: Type.Optional(Type.String()),
  region: Type.Optional(Type.String()),
  priority: Type.Optional(Type.String()),
  currency: Type.Optional(Type.String()),
  totalMinor: Type.Optional(Type.Integer()),
  skus: Type.Optional(Type.Array(Type.String())),
  status: Type.Optional(Type.String()),
  statusVersion: Type.Optional(Type.Integer()),
  createdAt: Type.Optional(Type.String()),
  updatedAt: Type.Optional(Type.String()),
  paymentFailureReason: Type.Optional(Type.String()),
});

const OrdersQuery = Type.Composite([OrderFilters, Type.Object({ size: Type.Integer({ minimum: 1, maximum: 500, default: 50 }), cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })) })], {
  additionalProperties: false,
});
const OverTimeQuery = Type.Composite([OrderFilters, Type.Object({ interval: Type.Union([Type.Literal('minute'), Type.Literal('hour')], { default: 'minute' }) })], {
  additionalProperties: false,
});
const TopQuery = Type.Composite([OrderFilters, Type.Object({ size: Type.Integer({ minimum: 1, maximum: 100, default: 10 }) })], { additionalProperties: false });

const RevenueByCurrency = Type.Record(Type.String(), Type.Integer());

interface Bucket {
  key: string | number;
  key_as_string?: string;
  doc_count: number;
}

/**
 * The search and analytics API over the orders' current-state documents:
 * `GET /api/orders` (filters, `search_after` paging with an opaque cursor) and
 * `GET /api/analytics/{orders-over-time,status-funnel,top-skus,payment-failures}`.
 * Every query is an object built from validated input.
 */
export const searchRoutes: FastifyPluginCallbackTypebox<SearchRouteOptions> = (app, { client, names }, done) => {
  const search = async (body: Record<string, unknown>): Promise<{ hits: { total: { value: number }; hits: Array<{ _source: unknown; sort?: unknown[] }> }; aggregations?: Record<string, unknown> }> =>
    (await client.search({ index: names.orders, body })).body as never;

  app.get(
    '/api/orders',
    { schema: { querystring: OrdersQuery, response: { 200: Type.Object({ total: Type.Integer(), orders: Type.Array(OrderDoc), nextCursor: Type.Union([Type.String(), Type.Null()]) }) } } },
    async (request) => {
      const { size, cursor, ...filters } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const result = await search({
        query: filterQuery(filters),
        size,
        sort: [{ createdAt: { order: 'desc', missing: '_last' } }, { orderId: 'asc' }],
        track_total_hits: true,
        ...(after !== undefined && { search_after: after }),
      });
      const hits = result.hits.hits;
      const lastSort = hits.length === size ? (hits.at(-1)?.sort as SortValues | undefined) : undefined;
      return { total: result.hits.total.value, orders: hits.map((h) => h._source) as never, nextCursor: lastSort === undefined ? null : encodeCursor(lastSort) };
    },
  );

  app.get(
    '/api/analytics/orders-over-time',
    {
      schema: {
        querystring: OverTimeQuery,
        response: { 200: Type.Object({ interval: Type.String(), buckets: Type.Array(Type.Object({ start: Type.String(), orders: Type.Integer(), revenueMinorByCurrency: RevenueByCurrency })) }) },
      },
    },
    async (request) => {
      const { interval, ...filters } = request.query;
      const result = await search({
        query: filterQuery(filters),
        size: 0,
        aggs: {
          overTime: {
            date_histogram: { field: 'createdAt', fixed_interval: interval === 'minute' ? '1m' : '1h', min_doc_count: 0 },
            aggs: { currency: { terms: { field: 'currency', size: 20 }, aggs: { revenue: { sum: { field: 'totalMinor' } } } } },
          },
        },
      });
      const buckets = (result.aggregations?.overTime as { buckets: Array<Bucket & { currency: { buckets: Array<Bucket & { revenue: { value: number } }> } }> }).buckets;
      return {
        interval,
        buckets: buckets.map((b) => ({
          start: b.key_as_string ?? new Date(Number(b.key)).toISOString(),
          orders: b.doc_count,
          revenueMinorByCurrency: Object.fromEntries(b.currency.buckets.map((c) => [String(c.key), Math.round(c.revenue.value)])),
        })),
      };
    },
  );

  app.get(
    '/api/analytics/status-funnel',
    {
      schema: {
        querystring: OrderFilters,
        response: { 200: Type.Object({ total: Type.Integer(), stages: Type.Array(Type.Object({ status: Type.String(), current: Type.Integer(), reached: Type.Integer() })) }) },
      },
    },
    async (request) => {
      const result = await search({ query: filterQuery(request.query), size: 0, track_total_hits: true, aggs: { status: { terms: { field: 'status', size: 20 } } } });
      const counts = new Map((result.aggregations?.status as { buckets: Bucket[] }).buckets.map((b) => [String(b.key), b.doc_count]));
      const current = (s: string): number => counts.get(s) ?? 0;
      // "Reached" follows the lifecycle: every order was accepted; paid and failed orders went
      // through payment_pending; the two outcomes are the end of the funnel.
      const reached: Record<string, number> = {
        accepted: result.hits.total.value,
        payment_pending: current('payment_pending') + current('paid') + current('payment_failed'),
        paid: current('paid'),
        payment_failed: current('payment_failed'),
      };
      return { total: result.hits.total.value, stages: ORDER_STATUSES.map((status) => ({ status, current: current(status), reached: reached[status] ?? 0 })) };
    },
  );

  app.get(
    '/api/analytics/top-skus',
    { schema: { querystring: TopQuery, response: { 200: Type.Object({ skus: Type.Array(Type.Object({ sku: Type.String(), units: Type.Integer(), orders: Type.Integer() })) }) } } },
    async (request) => {
      const { size, ...filters } = request.query;
      const result = await search({
        query: filterQuery(filters),
        size: 0,
        aggs: {
          items: {
            nested: { path: 'items' },
            aggs: { sku: { terms: { field: 'items.sku', size, order: [{ units: 'desc' }, { _key: 'asc' }] }, aggs: { units: { sum: { field: 'items.quantity' } }, orders: { reverse_nested: {} } } } },
          },
        },
      });
      const buckets = ((result.aggregations?.items as { sku: { buckets: Array<Bucket & { units: { value: number }; orders: { doc_count: number } }> } }).sku).buckets;
      return { skus: buckets.map((b) => ({ sku: String(b.key), units: Math.round(b.units.value), orders: b.orders.doc_count })) };
    },
  );

  app.get(
    '/api/analytics/payment-failures',
    { schema: { querystring: TopQuery, response: { 200: Type.Object({ total: Type.Integer(), reasons: Type.Array(Type.Object({ reason: Type.String(), orders: Type.Integer() })) }) } } },
    async (request) => {
      const { size, ...filters } = request.query;
      const result = await search({
        query: { bool: { filter: [filterQuery({ ...filters, status: 'payment_failed' })] } },
        size: 0,
        track_total_hits: true,
        aggs: { reasons: { terms: { field: 'paymentFailureReason', size, missing: '(none)', order: [{ _count: 'desc' }, { _key: 'asc' }] } } },
      });
      return { total: result.hits.total.value, reasons: (result.aggregations?.reasons as { buckets: Bucket[] }).buckets.map((b) => ({ reason: String(b.key), orders: b.doc_count })) };
    },
  );
  done();
};
