import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import {
  EVENT_TYPES,
  EXCHANGES,
  HEADERS,
  logRoutingKey,
  type LogEvent,
  type OrderStatus,
  type OrderStatusChangedEvent,
  type Region,
} from '@orderflow/messaging';
import { classifyTransition, type TransitionOutcome } from './transitions.ts';

/** One status change to record. */
export interface StatusChange {
  orderId: string;
  status: OrderStatus;
  /** Why (for history and the event), e.g. `provider declined: insufficient funds`. */
  reason?: string;
}

/** What happened to one change; results come back in the order of the input. */
export interface StatusChangeResult {
  orderId: string;
  outcome: TransitionOutcome | 'not_found';
  from?: OrderStatus;
  to: OrderStatus;
  /** `orders.version` after the call. */
  version?: number;
}

/** Channel notified (at commit) when outbox rows were written, so relays wake at once. */
export const OUTBOX_NOTIFY_CHANNEL = 'orderflow_outbox';

interface Current {
  id: string;
  status: OrderStatus;
  version: number;
  region: Region;
  priority: string;
}

/**
 * Records a batch of status changes inside the caller's transaction (`client` must be in
 * BEGIN): locks the orders, updates `orders.status`/`version`, appends `order_status_history`,
 * and writes one `order.status_changed` outbox row per real change — the single interface
 * through which status events leave the service. A change to `payment_failed` also writes a
 * `log.<region>.error` row for the logs topic exchange. Repeats are no-ops (`unchanged`),
 * moves out of a final status are refused (`invalid`) without failing the others. Two
 * statements per call whatever the batch size: the locking select and one combined write. Several
 * changes to one order in a batch apply in input order.
 */
export async function recordStatusChanges(client: pg.ClientBase, changes: readonly StatusChange[]): Promise<StatusChangeResult[]> {
  if (changes.length === 0) return [];
  const ids = [...new Set(changes.map((c) => c.orderId))];
  // Lock in a fixed order so two batches touching the same orders cannot deadlock.
  const { rows } = await client.query<Current>(
    `select id, status, version, region, priority from orders where id = any($1::uuid[]) order by id for update`,
    [ids],
  );
  const current = new Map(rows.map((r) => [r.id, { ...r }]));
  const results: StatusChangeResult[] = [];
  const history: { orderId: string; status: string; reason: string | null }[] = [];
  const outbox: { id: string; exchange: string; routingKey: string; eventType: string; payload: object; headers: object }[] = [];
  const now = new Date().toISOString();

  for (const change of changes) {
    const order = current.get(change.orderId);
    if (order === undefined) {
      results.push({ orderId: change.orderId, outcome: 'not_found', to: change.status });
      continue;
    }
    const outcome = classifyTransition(order.status, change.status);
    const from = order.status;
    if (outcome === 'changed') {
      order.status = change.status;
      order.version += 1;
      history.push({ orderId: order.id, status: change.status, reason: change.reason ?? null });
      const event: OrderStatusChangedEvent = {
        eventId: randomUUID(),
        type: EVENT_TYPES.orderStatusChanged,
        occurredAt: now,
        orderId: order.id,
        from,
        to: change.status,
        version: order.version,
        region: order.region,
        ...(change.reason === undefined ? {} : { reason: change.reason }),
      };
      const headers = { [HEADERS.orderId]: order.id, [HEADERS.region]: order.region, [HEADERS.priority]: order.priority };
      outbox.push({ id: order.id, exchange: EXCHANGES.orders, routingKey: EVENT_TYPES.orderStatusChanged, eventType: event.type, payload: event, headers });
      if (change.status === 'payment_failed') {
        const log: LogEvent = {
          eventId: randomUUID(),
          occurredAt: now,
          type: 'log',
          level: 'error',
          region: order.region,
          message: `payment failed${change.reason === undefined ? '' : `: ${change.reason}`}`,
          orderId: order.id,
        };
        outbox.push({ id: order.id, exchange: EXCHANGES.logs, routingKey: logRoutingKey(order.region, 'error'), eventType: 'log', payload: log, headers });
      }
    }
    results.push({ orderId: change.orderId, outcome, from, to: change.status, version: order.version });
  }

  if (history.length > 0) {
    const changedIds = new Set(history.map((h) => h.orderId));
    const changed = [...current.values()].filter((o) => changedIds.has(o.id));
    // One round trip for every write of the batch; the notification is delivered at commit.
    await client.query(
      `with changed as (
         select * from unnest($1::uuid[], $2::text[], $3::int[]) as c(id, status, version)
       ), updated as (
         update orders o set status = c.status, version = c.version, updated_at = now()
           from changed c where o.id = c.id
       ), history as (
         insert into order_status_history (order_id, status, reason)
         select * from unnest($4::uuid[], $5::text[], $6::text[])
       ), events as (
         insert into outbox (aggregate_id, exchange, routing_key, event_type, payload, headers)
         select * from unnest($7::uuid[], $8::text[], $9::text[], $10::text[], $11::jsonb[], $12::jsonb[])
       )
       select pg_notify($13, '')`,
      [
        changed.map((o) => o.id),
        changed.map((o) => o.status),
        changed.map((o) => o.version),
        history.map((h) => h.orderId),
        history.map((h) => h.status),
        history.map((h) => h.reason),
        outbox.map((r) => r.id),
        outbox.map((r) => r.exchange),
        outbox.map((r) => r.routingKey),
        outbox.map((r) => r.eventType),
        outbox.map((r) => JSON.stringify(r.payload)),
        outbox.map((r) => JSON.stringify(r.headers)),
        OUTBOX_NOTIFY_CHANNEL,
      ],
    );
  }
  return results;
}
