import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { Counter, createMetricsRegistry, startTracing } from './index.ts';

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('createMetricsRegistry', () => {
  it('exposes default process metrics and its own series with default labels', async () => {
    const registry = createMetricsRegistry({ defaultLabels: { service: 'test' } });
    const orders = new Counter({ name: 'orders_total', help: 'orders', registers: [registry] });
    orders.inc(3);
    const text = await registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toMatch(/orders_total\{service="test"\} 3/);
  });
});

describe('startTracing', () => {
  const received: { path: string; body: string }[] = [];
  const collector = createServer((req, res) => {
    void body(req).then((text) => {
      received.push({ path: req.url ?? '', body: text });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

  it('is a no-op without an endpoint', async () => {
    const tracing = startTracing({ serviceName: 'quiet' });
    expect(tracing.enabled).toBe(false);
    await tracing.shutdown();
  });

  it('exports spans over OTLP/HTTP to the configured collector', async () => {
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    const tracing = startTracing({ serviceName: 'telemetry-test', serviceVersion: '1.2.3', otlpEndpoint: `http://127.0.0.1:${port}` });
    expect(tracing.enabled).toBe(true);
    trace.getTracer('test').startActiveSpan('accept-order', (span) => {
      span.setAttribute('order.id', 'o-42');
      span.end();
    });
    await tracing.shutdown();
    await tracing.shutdown();
    const exported = received.find((r) => r.path === '/v1/traces');
    expect(exported).toBeDefined();
    expect(exported?.body).toContain('accept-order');
    expect(exported?.body).toContain('telemetry-test');
    expect(exported?.body).toContain('o-42');
  });
});
