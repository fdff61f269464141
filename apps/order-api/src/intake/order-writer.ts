import { classifyPgError, type PgFailureKind, type Pool } from '@orderflow/pg';
import { EVENT_TYPES, EXCHANGES, HEADERS } from '@orderflow/messaging';
import { injectTraceContext, type TraceCarrier } from '@orderflow/telemetry';
import { IdempotencyKeyReused, OrderNotStored, ShuttingDown } from '../errors.ts';
import { ORDER_COLUMNS, toOrderView, type OrderRow } from '../orders/order-row.ts';
import type { OrderView } from '../schemas.ts';
import type { NewOrder } from './new-order.ts';

/** What became of a submitted order. */
export interface WriteResult {
  order: OrderView;
  /** false when an earlier order with the same Idempotency-Key was returned instead. */
  created: boolean;
}

/** Observations of the writer, for metrics. */
export interface WriterObserver {
  flushed(batchSize: number, seconds: number, ok: boolean): void;
}

/** Options for {@link OrderWriter}. */
export interface OrderWriterOptions {
  maxBatch: number;
  maxConcurrentWrites: number;
  observer?: WriterObserver;
  /** Called after a batch committed new outbox rows (wakes the relay). */
  onCommitted?: () => void;
}

interface Pending {
  order: NewOrder;
  /** The submitting request's trace context, stored with the outbox row for the relay. */
  trace: TraceCarrier;
  resolve: (r: WriteResult) => void;
  reject: (err: Error) => void;
}

// One statement, so one transaction: the orders, their first history row and their
// order.created outbox rows are all written or none is. Rows whose Idempotency-Key exists
// already are skipped (ON CONFLICT) and come back from the follow-up select instead.
// Rows are inserted in the order given (`ord`): the caller sorts them by key, so two concurrent
// batches sharing keys take the key locks in the same order and cannot deadlock.
const INSERT_BATCH = `
with input as (
  select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::jsonb[], $10::jsonb[], $11::jsonb[])
    with ordinality as t(id, idempotency_key, request_hash, customer_id, region, priority, currency, total_minor, items, event, trace_context, ord)
), ins as (
  insert into orders (id, idempotency_key, request_hash, customer_id, region, priority, currency, total_minor, items, status)
  select id, idempotency_key, request_hash, customer_id, region, priority, currency, total_minor, items, 'accepted' from input order by ord
  on conflict (idempotency_key) do nothing
  returning ${ORDER_COLUMNS}
), history as (
  insert into order_status_history (order_id, status, reason) select id, 'accepted', 'created' from ins
), outbox_rows as (
  insert into outbox (aggregate_id, event_type, exchange, routing_key, payload, headers, trace_context)
  select i.id, '${EVENT_TYPES.orderCreated}', '${EXCHANGES.orders}', '${EVENT_TYPES.orderCreated}', i.event,
         jsonb_build_object('${HEADERS.priority}', i.priority, '${HEADERS.region}', i.region, '${HEADERS.orderId}', i.id), i.trace_context
    from input i join ins on ins.id = i.id
)
select * from ins`;

const STORAGE_FAILURE: Record<PgFailureKind, string> = {
  unavailable: 'the database is unavailable',
  conflict: 'a concurrent write conflicted with it',
  timeout: 'the database did not answer in time',
  rejected: 'the database refused the write',
};

function byIdempotencyKey(a: Pending, b: Pending): number {
  const ka = a.order.idempotencyKey;
  const kb = b.order.idempotencyKey;
  if (ka === kb) return 0;
  if (ka === null) return 1;
  if (kb === null) return -1;
  return ka < kb ? -1 : 1;
}

/**
 * Groups concurrent order submissions into one multi-row INSERT per turn of the event loop
 * (up to `maxBatch` rows, `maxConcurrentWrites` statements in flight): at thousands of orders a
 * second this costs one round trip per batch instead of one transaction per order.
 */
export class OrderWriter {
  readonly #pool: Pool;
  readonly #options: OrderWriterOptions;
  #queue: Pending[] = [];
  #inFlight = 0;
  #scheduled = false;
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(pool: Pool, options: OrderWriterOptions) {
    this.#pool = pool;
    this.#options = options;
  }

  /** Queues an order; resolves once it (or the earlier order with its key) is committed. */
  submit(order: NewOrder): Promise<WriteResult> {
    if (this.#closed) return Promise.reject(new ShuttingDown([]));
    return new Promise<WriteResult>((resolve, reject) => {
      // Captured here: the batch is written later, outside the request's context.
      this.#queue.push({ order, trace: injectTraceContext(), resolve, reject });
      this.#schedule();
    });
  }

  /** Refuses new orders and waits until every queued one is written. */
  async drain(): Promise<void> {
    this.#closed = true;
    if (this.#queue.length === 0 && this.#inFlight === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#options.maxConcurrentWrites || this.#queue.length === 0) return;
    this.#scheduled = true;
    // setImmediate runs after the current I/O phase: every request parsed in it joins the batch.
    setImmediate(() => {
      this.#scheduled = false;
      while (this.#inFlight < this.#options.maxConcurrentWrites && this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#options.maxBatch);
        this.#inFlight += 1;
        void this.#flush(batch).finally(() => {
          this.#inFlight -= 1;
          if (this.#queue.length > 0) this.#schedule();
          else if (this.#inFlight === 0) for (const wake of this.#idle.splice(0)) wake();
        });
      }
    });
  }

  async #flush(batch: Pending[]): Promise<void> {
    const started = process.hrtime.bigint();
    // Two submissions with one key in the same batch: insert the first, answer both from it.
    const leaders = new Map<string, Pending>();
    const rows: Pending[] = [];
    const followers: Pending[] = [];
    for (const p of batch) {
      const key = p.order.idempotencyKey;
      if (key === null) rows.push(p);
      else if (leaders.has(key)) followers.push(p);
      else {
        leaders.set(key, p);
        rows.push(p);
      }
    }
    // Keyed rows in key order (code-unit order: the same in every process); unkeyed ones cannot conflict.
    rows.sort(byIdempotencyKey);
    try {
      const inserted = await this.#insert(rows);
      const missingKeys = rows.filter((p) => !inserted.has(p.order.id)).map((p) => p.order.idempotencyKey!);
      const existing = missingKeys.length === 0 ? new Map<string, OrderRow>() : await this.#byKeys(missingKeys);
      for (const p of rows) {
        const own = inserted.get(p.order.id);
        if (own !== undefined) p.resolve({ order: toOrderView(own), created: true });
        else this.#answerFromExisting(p, existing.get(p.order.idempotencyKey!));
      }
      for (const p of followers) {
        const key = p.order.idempotencyKey!;
        const leader = leaders.get(key)!;
        const row = inserted.get(leader.order.id) ?? existing.get(key);
        this.#answerFromExisting(p, row);
      }
      if (inserted.size > 0) this.#options.onCommitted?.();
      this.#options.observer?.flushed(batch.length, Number(process.hrtime.bigint() - started) / 1e9, true);
    } catch (err) {
      // A fixed text per kind of failure: PostgreSQL's own message stays in the logs (cause).
      const error = new OrderNotStored([STORAGE_FAILURE[classifyPgError(err)]], { cause: err });
      for (const p of batch) p.reject(error);
      this.#options.observer?.flushed(batch.length, Number(process.hrtime.bigint() - started) / 1e9, false);
    }
  }

  #answerFromExisting(p: Pending, row: OrderRow | undefined): void {
    if (row === undefined) {
      p.reject(new OrderNotStored(['the earlier order with this Idempotency-Key was not found']));
    } else if (row.request_hash !== p.order.requestHash) {
      p.reject(new IdempotencyKeyReused([p.order.idempotencyKey!]));
    } else {
      p.resolve({ order: toOrderView(row), created: false });
    }
  }

  async #insert(rows: Pending[]): Promise<Map<string, OrderRow>> {
    const cols: unknown[][] = [[], [], [], [], [], [], [], [], [], [], []];
    for (const { order, trace } of rows) {
      const o = order.event.order;
      const values = [order.id, order.idempotencyKey, order.requestHash, o.customerId, o.region, o.priority, o.currency, o.totalMinor, JSON.stringify(o.items), JSON.stringify(order.event), JSON.stringify(trace)];
      values.forEach((v, i) => cols[i]!.push(v));
    }
    const { rows: inserted } = await this.#pool.query<OrderRow>(INSERT_BATCH, cols);
    return new Map(inserted.map((r) => [r.id, r]));
  }

  async #byKeys(keys: string[]): Promise<Map<string, OrderRow>> {
    const { rows } = await this.#pool.query<OrderRow & { idempotency_key: string }>(
      `select ${ORDER_COLUMNS}, idempotency_key from orders where idempotency_key = any($1::text[])`,
      [keys],
    );
    return new Map(rows.map((r) => [r.idempotency_key, r]));
  }
}
