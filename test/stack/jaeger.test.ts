import { randomBytes } from 'node:crypto';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { describe, expect, it } from 'vitest';

describe('Jaeger (real server, built from its Go module)', () => {
  it('takes a span over OTLP/HTTP and serves it back from the query API', async () => {
    const service = uniqueName('jaeger-probe');
    const traceId = randomBytes(16).toString('hex');
    const now = BigInt(Date.now()) * 1_000_000n;
    // OTLP/HTTP JSON, as the SDK's exporters send it.
    const res = await fetch(`${stackSetting('OTEL_EXPORTER_OTLP_ENDPOINT')}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [{
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeSpans: [{ spans: [{ traceId, spanId: randomBytes(8).toString('hex'), name: 'probe', kind: 1, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n) }] }],
        }],
      }),
    });
    expect(res.status).toBe(200);

    const query = stackSetting('JAEGER_QUERY_URL');
    const traces = await waitFor(async () => {
      const r = await fetch(`${query}/api/traces?service=${service}&limit=5`);
      const body = (await r.json()) as { data: { traceID: string; spans: { operationName: string }[] }[] };
      return body.data.length > 0 ? body.data : undefined;
    }, { timeoutMs: 30_000, what: `Jaeger to list a trace of ${service}` });
    expect(traces.map((t) => t.traceID)).toEqual([traceId]);
    expect(traces[0]!.spans.map((s) => s.operationName)).toEqual(['probe']);
  });
});
