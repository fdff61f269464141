import { DatabaseUnavailable, classifyPgError, type Pool } from '@orderflow/pg';
import type { QueryResultRow } from 'pg';
import type { OrderStatus } from '@orderflow/messaging';
import { OrderNotFound } from '../errors.ts';
import type { OrderView } from '../schemas.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ORDER_COLUMNS, toOrderView, type OrderRow } from './order-row.ts';

/**
 * Runs a read; an unreachable or overloaded database becomes a retriable 503
 * (`PG_ERR_UNAVAILABLE`) with a fixed message instead of a 500 carrying PostgreSQL's text.
 */
async function read<R extends QueryResultRow>(pool: Pool, sql: string, params: unknown[]): Promise<R[]> {
  try {
    return (await pool.query<R>(sql, params)).rows;
  } catch (err) {
    const kind = classifyPgError(err);
    if (kind === 'unavailable' || kind === 'timeout') throw new DatabaseUnavailable(['orders cannot be read right now; retry'], { cause: err });
    throw err;
  }
}

/** One order by id; throws `ORDERS_ERR_NOT_FOUND`. */
export async function getOrder(pool: Pool, id: string): Promise<OrderView> {
  const rows = await read<OrderRow>(
    pool,
   `select ${ORDER_COLUMNS} from orders where id = $1`, [id]);
  const row = rows[0];
  if (row === undefined) throw new OrderNotFound([id]);
  return toOrderView(row);
}

/** Filters and position of a page. */
export interface ListOptions {
  limit: number;
  cursor?: string;
  customerId?: string;
  status?: OrderStatus;
}

/**
 * Newest first, keyset paging on (created_at, id): a page costs the same however deep it is,
 * and orders created meanwhile never shift or repeat entries of later pages.
 */
export async function listOrders(pool: Pool, options: ListOptions): Promise<{ items: OrderView[]; nextCursor: string | null }> {
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
  const rows = await read<OrderRow>(
    pool,
    `select ${ORDER_COLUMNS} from orders
      where ($1::timestamptz is null or (created_at, id) < ($1::timestamptz, $2::uuid))
        and ($3::text is null or customer_id = $3)
        and ($4::text is null or status = $4)
      order by created_at desc, id desc
      limit $5`,
    [after?.createdAt ?? null, after?.id ?? null, options.customerId ?? null, options.status ?? null, options.limit + 1],
  );
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  const nextCursor = rows.length > options.limit && last !== undefined ? encodeCursor({ createdAt: last.created_at_exact, id: last.id }) : null;
  return { items: page.map(toOrderView), nextCursor };
}
