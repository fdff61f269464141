import { context, propagation, ROOT_CONTEXT, trace, SpanKind } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { injectTraceContext } from '@orderflow/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endSpans, startKafkaProcessSpan, startKafkaSendSpan, withTraceHeaders } from './index.ts';

// A real tracer provider in memory (the SDK's own exporter), so span kinds, parents and
// attributes are what a backend would receive.
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  propagation.disable();
});

describe('Kafka messaging spans', () => {
  it('a send span continues the request, its record headers make the consumer\'s process span its child', () => {
    const request = trace.getTracer('test').startSpan('POST /orders');
    const parent = trace.setSpan(context.active(), request);
    const send = startKafkaSendSpan({ topic: 'order-events', parent, key: 'order-1', messageId: 'e-1', batchSize: 3 });
    const headers = new Map(Object.entries({ 'event-id': 'e-1', ...injectTraceContext(trace.setSpan(context.active(), send)) }));
    const process = startKafkaProcessSpan({ topic: 'order-events', partition: 2, offset: 41n, key: 'order-1', headers }, 'aggregator');
    endSpans([send, process]);
    request.end();

    const spans = new Map(exporter.getFinishedSpans().map((s) => [s.name, s]));
    const sent = spans.get('send order-events')!;
    const processed = spans.get('process order-events')!;
    expect(sent.kind).toBe(SpanKind.PRODUCER);
    expect(sent.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(sent.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.operation.type': 'send', 'messaging.destination.name': 'order-events', 'messaging.kafka.message.key': 'order-1', 'messaging.message.id': 'e-1', 'messaging.batch.message_count': 3 });
    expect(processed.kind).toBe(SpanKind.CONSUMER);
    expect(processed.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(processed.parentSpanContext?.spanId).toBe(sent.spanContext().spanId);
    expect(processed.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.operation.type': 'process', 'messaging.destination.partition.id': '2', 'messaging.kafka.offset': 41, 'messaging.consumer.group.name': 'aggregator' });
  });

  it('a record without trace headers starts a trace of its own; a failed batch ends its spans as errors', () => {
    exporter.reset();
    const span = startKafkaProcessSpan({ topic: 't', partition: 0, offset: 0n, headers: {} }, 'g');
    endSpans([span], new Error('transaction aborted'));
    const [done] = exporter.getFinishedSpans();
    expect(done?.parentSpanContext).toBeUndefined();
    expect(done?.status).toMatchObject({ code: 2, message: 'transaction aborted' });
    expect(done?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('a send on behalf of a batch starts its own trace and links the records it sums', () => {
    exporter.reset();
    const records = [0n, 1n].map((offset) => startKafkaProcessSpan({ topic: 'order-events', partition: 0, offset, headers: {} }, 'g'));
    const send = startKafkaSendSpan({ topic: 'order-stats', parent: ROOT_CONTEXT, batchSize: 2, links: records });
    endSpans([...records, send]);
    const sent = exporter.getFinishedSpans().find((s) => s.name === 'send order-stats')!;
    expect(sent.parentSpanContext).toBeUndefined();
    expect(sent.links.map((l) => l.context.spanId)).toEqual(records.map((r) => r.spanContext().spanId));
  });

  it('a dead letter carries the span that gave up, not the original producer', () => {
    const span = startKafkaProcessSpan({ topic: 't', partition: 0, offset: 0n, headers: {} }, 'g');
    const headers = withTraceHeaders({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'event-id': 'e-9' }, span);
    expect(headers['event-id']).toBe('e-9');
    expect(headers.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    span.end();
  });
});
