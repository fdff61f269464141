import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '@orderflow/telemetry';
import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import type { BoardStore } from './board-store.ts';
import type { ChangeHub } from './change-hub.ts';
import { buildServer } from './server.ts';

/** Opens the board's WebSocket with `origin`; the HTTP status of a refused upgrade, or 101. */
function upgrade(url: string, origin: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

describe('board WebSocket origin check', () => {
  let app: FastifyInstance;
  let wsUrl: string;
  const attached: unknown[] = [];

  beforeAll(async () => {
    // Only the origin check runs here: a refused upgrade never reaches the hub or the store.
    const hub = { attach: (c: unknown) => attached.push(c), detach: () => undefined, resync: () => undefined } as unknown as ChangeHub;
    app = buildServer({ store: {} as BoardStore, hub, registry: createMetricsRegistry({ defaultMetrics: false }), allowedOrigins: ['https://ops.example.com'] });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    wsUrl = `${address.replace('http', 'ws')}/board/ws`;
  });

  afterAll(async () => {
    await app.close();
  });

  it('accepts the page’s own origin, a listed one and non-browser clients', async () => {
    const host = new URL(wsUrl).host;
    expect(await upgrade(wsUrl, `http://${host}`)).toBe(101);
    expect(await upgrade(wsUrl, 'https://ops.example.com')).toBe(101);
    expect(await upgrade(wsUrl, undefined)).toBe(101);
    expect(attached).toHaveLength(3);
  });

  it('refuses a page from another site with a coded 403', async () => {
    expect(await upgrade(wsUrl, 'https://evil.example')).toBe(403);
    const res = await app.inject({ method: 'GET', url: '/board/ws', headers: { origin: 'https://evil.example', connection: 'upgrade', upgrade: 'websocket' } });
    expect(res.json()).toMatchObject({ code: 'DASHBOARD_ERR_ORIGIN_NOT_ALLOWED', statusCode: 403 });
    expect(attached).toHaveLength(3);
  });
});
