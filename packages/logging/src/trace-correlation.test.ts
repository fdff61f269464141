import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { startTracing } from '@orderflow/telemetry';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

describe('log lines inside a traced operation', () => {
  it('carry the trace and span ids of the active span, and none outside it', async () => {
    // A real SDK (context manager, W3C ids) exporting to a sink that accepts everything.
    const sink = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const tracing = startTracing({ serviceName: 'log-correlation', otlpEndpoint: `http://127.0.0.1:${(sink.address() as AddressInfo).port}` });
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger('log-correlation', { destination });
    let ids: { traceId: string; spanId: string } | undefined;
    trace.getTracer('test').startActiveSpan('charge', (span) => {
      ids = span.spanContext();
      logger.info('inside');
      span.end();
    });
    logger.info('outside');
    await tracing.shutdown();
    await new Promise<void>((resolve) => sink.close(() => resolve()));
    expect(lines[0]).toMatchObject({ msg: 'inside', trace_id: ids!.traceId, span_id: ids!.spanId });
    expect(lines[1]?.msg).toBe('outside');
    expect(lines[1]).not.toHaveProperty('trace_id');
  });
});
