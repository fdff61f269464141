import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from 'amqplib';
import { type TestDatabase, type TestVhost, createTestDatabase, createTestVhost, rabbitmqManagement, stackSetting, waitFor } from '@orderflow/testkit';
import { AmqpConnection, EXCHANGES, QUEUES } from '@orderflow/messaging';
import { bodyOf, takeMessages } from './support/broker.ts';
import { orderBody } from './support/harness.ts';
import { startRunningApi, type RunningApi } from './support/running-api.ts';

interface Readiness {
  status: string;
  checks: { name: string; ok: boolean; error?: string }[];
}

// Issue 8 item 5a: a deleted `orders` exchange is declared again by the running order-api (no
// restart), and /readyz says what is going on meanwhile.
describe('relay repairs deleted topology', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let api: RunningApi;
  let checker: AmqpConnection;
  let ch: Channel;

  const permissions = (configure: string) =>
    rabbitmqManagement('PUT', `/permissions/${encodeURIComponent(vhost.name)}/${encodeURIComponent(stackSetting('RABBITMQ_USER'))}`, { configure, write: '.*', read: '.*' });
  const placeOrder = async (customerId: string) => {
    const res = await fetch(`${api.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(orderBody({ customerId })) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const readiness = async () => {
    const res = await fetch(`${api.url}/readyz`);
    return { httpStatus: res.status, ...((await res.json()) as Readiness) };
  };
  const relayCheck = (r: Readiness) => r.checks.find((c) => c.name === 'outbox-relay');

  beforeAll(async () => {
    db = await createTestDatabase('order_api_repair');
    vhost = await createTestVhost('repair');
    api = await startRunningApi({ DATABASE_URL: db.url, RABBITMQ_URL: vhost.url, RELAY_MAX_BACKOFF_MS: '500' });
    checker = await AmqpConnection.open(vhost.url, { name: 'repair-test-checker' });
    ch = await checker.createChannel();
  });

  afterAll(async () => {
    await api?.stop();
    await checker?.close();
    await vhost?.drop();
    await db?.drop();
  });

  it('an order placed after the orders exchange was deleted still reaches payments, without a restart', async () => {
    const first = await placeOrder('before-delete');
    // The publisher declares the topology lazily, before its first publish: read payments after that.
    await waitFor(async () => (await api.parts.pool.query<{ n: number }>('select count(*)::int as n from outbox where published_at is null')).rows[0]!.n === 0, { what: 'the first order published' });
    const [m1] = await takeMessages(ch, QUEUES.payments, 1);
    expect(bodyOf<{ orderId: string }>(m1!).orderId).toBe(first);

    await rabbitmqManagement('DELETE', `/exchanges/${encodeURIComponent(vhost.name)}/${EXCHANGES.orders}`);
    const second = await placeOrder('after-delete');
    const [m2] = await takeMessages(ch, QUEUES.payments, 1);
    expect(bodyOf<{ orderId: string }>(m2!).orderId).toBe(second);
    // Declared again by the publisher (first start, then the repair), not by a reconnect.
    expect(await api.metric('amqp_topology_declarations_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(api.parts.connection.connected).toBe(true);
  });

  it('while the topology cannot be declared again, /readyz stays 200 for intake but reports the relay failing and why', async () => {
    await rabbitmqManagement('DELETE', `/exchanges/${encodeURIComponent(vhost.name)}/${EXCHANGES.orders}`);
    await permissions('^$'); // the app may publish but no longer declare
    try {
      const third = await placeOrder('while-broken');
      const broken = await waitFor(async () => {
        const r = await readiness();
        return relayCheck(r)?.ok === false && relayCheck(r)?.error?.includes('MESSAGING_ERR_TOPOLOGY_FAILED') ? r : undefined;
      }, { what: 'readiness to report the relay failing to declare the topology' });
      expect(broken.httpStatus).toBe(200);
      expect(broken.status).toBe('degraded');
      expect(relayCheck(broken)!.error).toMatch(/ACCESS_REFUSED/);
      expect(await api.metric('amqp_topology_declarations_total', { outcome: 'failed' })).toBeGreaterThan(0);
      expect(await api.metric('outbox_relay_consecutive_failures')).toBeGreaterThan(0);
      const pending = await api.parts.pool.query<{ n: number }>('select count(*)::int as n from outbox where published_at is null');
      expect(pending.rows[0]!.n).toBe(1);

      await permissions('.*');
      const [m3] = await takeMessages(ch, QUEUES.payments, 1);
      expect(bodyOf<{ orderId: string }>(m3!).orderId).toBe(third);
      await waitFor(async () => (await readiness()).status === 'ready', { what: 'readiness back to ready' });
      expect(await api.metric('outbox_relay_consecutive_failures')).toBe(0);
    } finally {
      await permissions('.*');
    }
  });
});
