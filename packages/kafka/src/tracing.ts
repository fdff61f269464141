import { endSpanWithError, extractTraceContext, startMessagingSpan, traceHeadersOf, type Span } from '@orderflow/telemetry';
import type { Context } from '@orderflow/telemetry';

/** What a send span records about the record it produces. */
export interface KafkaSendSpanOptions {
  topic: string;
  /** The context the record continues: the request's (from an outbox row), or a consume span's. */
  parent: Context;
  key?: string | undefined;
  /** `messaging.message.id`: the event id. */
  messageId?: string | undefined;
  /** Records produced together (one transaction), for `messaging.batch.message_count`. */
  batchSize?: number;
  /**
   * Spans the records were made from without one being their parent (the consumed records a
   * window update sums): linked, as the conventions say for batches. Untraced ones are skipped;
   * the SDK keeps the first 128.
   */
  links?: readonly Span[];
}

/**
 * A PRODUCER span `send {topic}` for one record, as the OpenTelemetry messaging conventions name
 * it (`messaging.system=kafka`, destination, key). Put {@link traceHeadersOf} of it in the
 * record's headers so its consumers continue the trace; end it when the send (the transaction)
 * is settled. A no-op span when tracing is off or the parent was not sampled.
 */
export function startKafkaSendSpan(options: KafkaSendSpanOptions): Span {
  return startMessagingSpan({
    system: 'kafka',
    operation: 'send',
    destination: options.topic,
    parent: options.parent,
    attributes: {
      ...(options.key !== undefined && { 'messaging.kafka.message.key': options.key }),
      ...(options.messageId !== undefined && { 'messaging.message.id': options.messageId }),
      ...(options.batchSize !== undefined && options.batchSize > 1 && { 'messaging.batch.message_count': options.batchSize }),
    },
    ...(options.links !== undefined && { links: options.links.filter((s) => s.isRecording()).map((s) => ({ context: s.spanContext() })) }),
  });
}

/** A consumed record, as far as tracing reads it. */
export interface TracedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key?: string | undefined;
  headers: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
}

/**
 * A CONSUMER span `process {topic}` for one consumed record, the child of the span that produced
 * it (W3C `traceparent` in the record's headers), so a record's processing is part of the trace
 * of the order it carries. Batch consumers start one per record, not one per batch with links:
 * the order's trace must contain the consumer's work, and a linked batch span lives in a trace
 * of its own. End it when the record's outcome is final (its offset committed), or with
 * {@link endSpanWithError} when the batch failed.
 */
export function startKafkaProcessSpan(record: TracedRecord, groupId: string): Span {
  const h = record.headers;
  // Only the two W3C headers are read; no copy of the rest.
  const carrier = isMap(h) ? { traceparent: h.get('traceparent'), tracestate: h.get('tracestate') } : h;
  return startMessagingSpan({
    system: 'kafka',
    operation: 'process',
    destination: record.topic,
    parent: extractTraceContext(carrier),
    attributes: {
      'messaging.destination.partition.id': String(record.partition),
      'messaging.kafka.offset': Number(record.offset),
      'messaging.consumer.group.name': groupId,
      ...(record.key !== undefined && { 'messaging.kafka.message.key': record.key }),
    },
  });
}

function isMap(headers: TracedRecord['headers']): headers is ReadonlyMap<string, string> {
  return headers instanceof Map;
}

/**
 * `headers` with the W3C trace context replaced by `span`'s: what a record produced on behalf of
 * `span` carries (a dead letter names the process span that gave up, not the original producer).
 * Headers are returned unchanged when the span is not traced.
 */
export function withTraceHeaders(headers: Readonly<Record<string, string>>, span: Span): Record<string, string> {
  const trace = traceHeadersOf(span);
  if (trace.traceparent === undefined) return { ...headers };
  const { traceparent: _p, tracestate: _s, ...rest } = headers;
  return { ...rest, ...trace };
}

/** Ends every span: failed with `err` when given, else as successful. */
export function endSpans(spans: Iterable<Span>, err?: unknown): void {
  for (const span of spans) {
    if (err === undefined) span.end();
    else endSpanWithError(span, err);
  }
}
