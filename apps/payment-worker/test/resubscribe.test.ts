import { randomBytes } from 'node:crypto';
import { rabbitmqManagement, uniqueName, waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startApp, type RunningApp } from './support/apps.ts';
import { insertOrders, makeOrders, publishOrders } from './support/orders.ts';
import { createDatabase, createVhost, type TestDatabase, type TestVhost } from './support/stack.ts';

/** A connection as the management API lists it. */
interface Connection {
  name: string;
  user: string;
}

async function readyStatus(worker: RunningApp): Promise<number> {
  return (await fetch(`${worker.url}/readyz`)).status;
}

async function paidCount(db: TestDatabase, orderIds: readonly string[]): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(`select count(*) as n from orders where status = 'paid' and id = any($1::uuid[])`, [orderIds]);
  return Number(rows[0]?.n);
}

describe('payment worker: the broker cancels its subscription or drops its connection', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let provider: RunningApp;
  let worker: RunningApp;
  let v: string;
  // The worker connects as a user of its own, whose permissions the test can take away.
  const user = uniqueName('payment-worker-test');
  const password = randomBytes(16).toString('hex');

  /** Lets the worker's user declare things in the test vhost, or not. */
  const mayConfigure = (allowed: boolean): Promise<unknown> =>
    rabbitmqManagement('PUT', `/permissions/${v}/${encodeURIComponent(user)}`, { configure: allowed ? '.*' : '^$', write: '.*', read: '.*' });

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createDatabase(), createVhost()]);
    v = encodeURIComponent(vhost.name);
    await rabbitmqManagement('PUT', `/users/${encodeURIComponent(user)}`, { password, tags: '' });
    await mayConfigure(true);
    const url = new URL(vhost.url);
    url.username = user;
    url.password = password;
    provider = await startApp('payment-provider', { PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN });
    worker = await startApp('payment-worker', { DATABASE_URL: db.url, RABBITMQ_URL: url.toString(), PROVIDER_URL: provider.url });
  });

  afterAll(async () => {
    await worker?.stop();
    await provider?.stop();
    await rabbitmqManagement('DELETE', `/users/${encodeURIComponent(user)}`).catch(() => undefined);
    await vhost?.drop();
    await db?.drop();
  });

  it('deleted payments queue: not ready while it cannot subscribe, then declares the queue again, resubscribes and pays', async () => {
    const before = makeOrders(1);
    await insertOrders(db.pool, before);
    await publishOrders(vhost.url, before);
    await waitFor(async () => (await paidCount(db, [before[0]!.orderId])) === 1, { timeoutMs: 30_000, what: 'the first order paid' });

    // Declarations refused for now, so the worker cannot simply put the queue back at once.
    await mayConfigure(false);
    await rabbitmqManagement('DELETE', `/queues/${v}/payments`);
    await waitFor(async () => (await readyStatus(worker)) === 503, { timeoutMs: 30_000, what: '/readyz to say not ready after the queue was deleted' });
    const body = (await (await fetch(`${worker.url}/readyz`)).json());
    expect(JSON.stringify(body)).toMatch(/not consuming/);

    await mayConfigure(true);
    await waitFor(async () => (await readyStatus(worker)) === 200, { timeoutMs: 90_000, what: 'the worker to declare the queue again and resubscribe' });
    const queue = (await rabbitmqManagement('GET', `/queues/${v}/payments`)) as { arguments: Record<string, unknown> };
    expect(queue.arguments).toMatchObject({ 'x-dead-letter-exchange': 'payments.dlx' });

    const after = makeOrders(3);
    await insertOrders(db.pool, after);
    await publishOrders(vhost.url, after);
    await waitFor(async () => (await paidCount(db, after.map((o) => o.orderId))) === 3, { timeoutMs: 30_000, what: 'orders published after the repair paid' });
    expect(worker.output()).toMatch(/the broker cancelled the subscription/);
  });

  it('connection closed by the broker: reconnects, resubscribes and pays', async () => {
    // The management API lists connections from sampled statistics: wait for the worker's.
    const own = await waitFor(
      async () => {
        const listed = ((await rabbitmqManagement('GET', `/vhosts/${v}/connections`)) as Connection[]).filter((c) => c.user === user);
        return listed.length > 0 ? listed : undefined;
      },
      { timeoutMs: 30_000, what: "the worker's connection listed" },
    );
    expect(own).toHaveLength(1);
    await rabbitmqManagement('DELETE', `/connections/${encodeURIComponent(own[0]!.name)}`);

    await waitFor(
      async () => {
        const now = (await rabbitmqManagement('GET', `/vhosts/${v}/connections`)) as Connection[];
        return now.some((c) => c.user === user && c.name !== own[0]!.name);
      },
      { timeoutMs: 60_000, what: 'a new connection from the worker' },
    );
    await waitFor(async () => (await readyStatus(worker)) === 200, { timeoutMs: 60_000, what: 'ready again after the reconnect' });
    const orders = makeOrders(3);
    await insertOrders(db.pool, orders);
    await publishOrders(vhost.url, orders);
    await waitFor(async () => (await paidCount(db, orders.map((o) => o.orderId))) === 3, { timeoutMs: 30_000, what: 'orders published after the reconnect paid' });
  });
});
