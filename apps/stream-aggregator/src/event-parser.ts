import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { CodedError } from '@orderflow/errors';
import { OrderCreatedEvent, OrderStatusChangedEvent, registerFormats } from '@orderflow/messaging';
import { EventNotJson, EventSchemaMismatch } from './errors.ts';

registerFormats();
const checker = TypeCompiler.Compile(Type.Union([OrderCreatedEvent, OrderStatusChangedEvent]));

/** What the windows need from one order event. */
export interface ParsedEvent {
  eventId: string;
  type: 'order.created' | 'order.status_changed';
  /** Event time (ms since the epoch), from the event itself. */
  occurredAtMs: number;
  /** Set for `order.created`: the revenue it adds. */
  currency?: string;
  totalMinor?: number;
}

/** The outcome of reading one record: an event, or why it goes to the dead-letter topic. */
export type ParseResult = { ok: true; event: ParsedEvent } | { ok: false; error: CodedError };

/** Reads one `order-events` value; never throws (a poison record must not wedge the partition). */
export function parseOrderEvent(value: string | undefined): ParseResult {
  let body: unknown;
  try {
    body = JSON.parse(value ?? '');
  } catch (err) {
    return { ok: false, error: new EventNotJson([(err as Error).message]) };
  }
  if (!checker.Check(body)) {
    const first = checker.Errors(body).First();
    const why = first === undefined ? 'unknown shape' : `${first.path || '/'}: ${first.message}`;
    return { ok: false, error: new EventSchemaMismatch([why]) };
  }
  const event: ParsedEvent = { eventId: body.eventId, type: body.type, occurredAtMs: Date.parse(body.occurredAt) };
  if (body.type === 'order.created') {
    event.currency = body.order.currency;
    event.totalMinor = body.order.totalMinor;
  }
  return { ok: true, event };
}
