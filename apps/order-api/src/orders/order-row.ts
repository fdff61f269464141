import type { OrderView } from '../schemas.ts';

/** Columns every order query selects, in the shape {@link toOrderView} reads. */
export const ORDER_COLUMNS = `id, status, customer_id, region, priority, currency, total_minor, items, version,
  created_at, updated_at, request_hash,
  to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at_exact`;

export interface OrderRow {
  id: string;
  status: OrderView['status'];
  customer_id: string;
  region: OrderView['region'];
  priority: OrderView['priority'];
  currency: string;
  total_minor: string;
  items: OrderView['items'];
  version: number;
  created_at: Date;
  updated_at: Date;
  request_hash: string | null;
  /** Microsecond precision, for paging cursors (a JS Date keeps milliseconds only). */
  created_at_exact: string;
}

export function toOrderView(row: OrderRow): OrderView {
  return {
    id: row.id,
    status: row.status,
    customerId: row.customer_id,
    region: row.region,
    priority: row.priority,
    currency: row.currency,
    totalMinor: Number(row.total_minor),
    items: row.items,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
