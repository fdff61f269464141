import { context, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { extractTraceContext, injectTraceContext, startTracingFromEnv, TracingMisconfigured, tracingSettings } from './index.ts';

describe('tracingSettings', () => {
  it('is off by default', () => {
    expect(tracingSettings({})).toEqual({ sampleRatio: 0, otlpEndpoint: undefined });
  });

  it('reads a ratio and the OTLP endpoint', () => {
    expect(tracingSettings({ TRACING_SAMPLE_RATIO: '0.1', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toEqual({ sampleRatio: 0.1, otlpEndpoint: 'http://127.0.0.1:4318' });
  });

  it.each([
    [{ TRACING_SAMPLE_RATIO: '1.5', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' }, 'TRACING_SAMPLE_RATIO: must be a number from 0 to 1'],
    [{ TRACING_SAMPLE_RATIO: 'half', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' }, 'TRACING_SAMPLE_RATIO: must be a number from 0 to 1'],
    [{ TRACING_SAMPLE_RATIO: '1' }, 'OTEL_EXPORTER_OTLP_ENDPOINT: is required'],
    [{ TRACING_SAMPLE_RATIO: '1', OTEL_EXPORTER_OTLP_ENDPOINT: '127.0.0.1:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL'],
  ])('refuses %j with a coded error', (env, message) => {
    let caught: unknown;
    try {
      tracingSettings(env);
    } catch (err) {
      caught = err;
    }
    expect(TracingMisconfigured.is(caught)).toBe(true);
    expect((caught as Error).message).toContain(message);
  });
});

describe('startTracingFromEnv', () => {
  it('starts nothing when off: spans are no-ops and nothing is propagated', async () => {
    const tracing = startTracingFromEnv('quiet', {});
    expect(tracing.enabled).toBe(false);
    const span = trace.getTracer('t').startSpan('x');
    expect(span.isRecording()).toBe(false);
    expect(injectTraceContext(trace.setSpan(context.active(), span))).toEqual({});
    await tracing.shutdown();
  });
});

describe('extractTraceContext', () => {
  it('reads traceparent from string or Buffer headers, and nothing from none', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    for (const value of [traceparent, Buffer.from(traceparent)]) {
      // Without a registered propagator the API extracts nothing; the SDK registers W3C's.
      expect(() => extractTraceContext({ traceparent: value })).not.toThrow();
    }
    expect(trace.getSpanContext(extractTraceContext(undefined))).toBeUndefined();
  });
});
