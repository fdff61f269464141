import { Type, type Static } from '@sinclair/typebox';
import { ORDER_STATUSES, REGIONS } from '@orderflow/messaging';
import { BadTimeRange } from '../errors.ts';

/** Filters every order query and aggregation accepts (query string). */
export const OrderFilters = Type.Object(
  {
    customerId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    status: Type.Optional(Type.Union(ORDER_STATUSES.map((s) => Type.Literal(s)))),
    region: Type.Optional(Type.Union(REGIONS.map((r) => Type.Literal(r)))),
    /** Inclusive start of `createdAt` (ISO date-time). */
    from: Type.Optional(Type.String({ format: 'date-time' })),
    /** Exclusive end of `createdAt` (ISO date-time). */
    to: Type.Optional(Type.String({ format: 'date-time' })),
    /** Free text matched against the SKUs of the order's items. */
    sku: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type OrderFilters = Static<typeof OrderFilters>;

type Clause = Record<string, unknown>;

/**
 * The `bool` query for the filters, built as an object: values are never spliced into query
 * strings, so no input can change the query's structure.
 */
export function filterQuery(filters: OrderFilters): Clause {
  const filter: Clause[] = [];
  const must: Clause[] = [];
  if (filters.customerId !== undefined) filter.push({ term: { customerId: filters.customerId } });
  if (filters.status !== undefined) filter.push({ term: { status: filters.status } });
  if (filters.region !== undefined) filter.push({ term: { region: filters.region } });
  if (filters.from !== undefined || filters.to !== undefined) {
    if (filters.from !== undefined && filters.to !== undefined && Date.parse(filters.to) < Date.parse(filters.from)) throw new BadTimeRange([filters.from, filters.to]);
    filter.push({ range: { createdAt: { ...(filters.from !== undefined && { gte: filters.from }), ...(filters.to !== undefined && { lt: filters.to }) } } });
  }
  if (filters.sku !== undefined) must.push({ match: { 'skus.text': { query: filters.sku, operator: 'and' } } });
  return { bool: { filter, must } };
}
