import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';

/** W3C trace context as carried in a message's headers or a database row (`traceparent`, `tracestate`). */
export type TraceCarrier = Record<string, string>;

/**
 * The trace context of `ctx` (default: the active one) as W3C headers; empty when nothing is
 * traced (tracing off, or no span), so callers can store or send it unconditionally.
 */
export function injectTraceContext(ctx: Context = context.active()): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The context described by W3C headers found in `carrier` (message headers, a stored row); the root context when there are none. */
export function extractTraceContext(carrier: Readonly<Record<string, unknown>> | null | undefined): Context {
  if (carrier === null || carrier === undefined) return ROOT_CONTEXT;
  const text: TraceCarrier = {};
  for (const key of ['traceparent', 'tracestate']) {
    const value = carrier[key];
    // AMQP may hand header strings back as Buffers.
    if (typeof value === 'string') text[key] = value;
    else if (Buffer.isBuffer(value)) text[key] = value.toString('utf8');
  }
  return text.traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, text);
}
