import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rabbitmqManagement, waitFor } from '@orderflow/testkit';
import { ADMIN_TOKEN, createDatabase, createVhost, insertOrders, makeOrders, publishOrders, startApp, statusCounts, type RunningApp, type TestDatabase, type TestVhost } from '@orderflow/payment-worker/test-support';
import { desired } from '../src/desired.ts';
import { applyTopology } from '../src/rabbitmq/topology-applier.ts';
import { managementClient } from './brokers.ts';
import { pipeline } from './fixtures.ts';

// The real payment-worker, run as the operator runs it (TOPOLOGY_MODE=verify), on the topology
// the operator's applier declares from the sample pipeline: its retries, dead letters and
// parked copies must reach the pipeline's queues, and it must declare nothing of its own.
const samplePath = new URL('../../manifests/samples/checkout.yaml', import.meta.url);

function sampleIn(vhost: string): ReturnType<typeof pipeline> {
  const spec = (parse(readFileSync(samplePath, 'utf8')) as { spec: { rabbitmq: { vhost: string; queues: { name: string; retry?: unknown }[] } } }).spec;
  spec.rabbitmq.vhost = vhost;
  // Short delays, so the test does not wait out the sample's 1 s, 2 s, 4 s.
  spec.rabbitmq.queues[0]!.retry = { maxAttempts: 2, backoff: { initial: '200ms', max: '400ms' } };
  return pipeline(spec, 'checkout', 'default');
}

async function exchangesIn(vhost: string): Promise<string[]> {
  const list = (await rabbitmqManagement('GET', `/exchanges/${encodeURIComponent(vhost)}`)) as { name: string }[];
  return list.map((e) => e.name).filter((n) => n !== '' && !n.startsWith('amq.'));
}

describe('payment-worker under an OrderPipeline (TOPOLOGY_MODE=verify)', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let empty: TestVhost;
  let provider: RunningApp;
  let worker: RunningApp | undefined;

  beforeAll(async () => {
    [db, vhost, empty] = await Promise.all([createDatabase(), createVhost('op-worker'), createVhost('op-worker-empty')]);
    const result = await applyTopology(managementClient(), desired(sampleIn(vhost.name)).rabbitmq!, { firstApply: true });
    expect(result.problems).toEqual([]);
    provider = await startApp('payment-provider', { PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN, PROVIDER_FAILURE_RATE: '1' });
  });

  afterAll(async () => {
    await worker?.stop();
    await provider?.stop();
    await Promise.all([vhost?.drop(), empty?.drop()]);
    await db?.drop();
  });

  it('refuses to start, naming the queue, when the pipeline did not declare its topology', async () => {
    const env = { DATABASE_URL: db.url, RABBITMQ_URL: empty.url, PROVIDER_URL: provider.url, TOPOLOGY_MODE: 'verify', ORDERFLOW_DEAD_LETTER_QUEUE: 'payments.dlq', MAX_RETRIES: '2' };
    const started = await startApp('payment-worker', env).catch((err: unknown) => err as Error);
    if (!(started instanceof Error)) await started.stop();
    expect(started).toBeInstanceOf(Error);
    expect((started as Error).message).toMatch(/PAYMENTS_ERR_TOPOLOGY_MISSING: queue "payments" does not exist/);
    expect(await exchangesIn(empty.name)).toEqual([]);
  });

  it('retries through the pipeline\'s delay queues, dead-letters to its DLQ, and declares nothing itself', async () => {
    const before = await exchangesIn(vhost.name);
    worker = await startApp('payment-worker', {
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      PROVIDER_URL: provider.url,
      TOPOLOGY_MODE: 'verify',
      ORDERFLOW_QUEUE: 'payments',
      ORDERFLOW_DEAD_LETTER_QUEUE: 'payments.dlq',
      MAX_RETRIES: '2',
      PROVIDER_RETRIES: '0',
      BREAKER_THRESHOLD: '10000',
    });
    const orders = makeOrders(3);
    await insertOrders(db.pool, orders);
    await publishOrders(vhost.url, orders);
    await waitFor(async () => (await vhost.messages('payments.dlq')) === 3, { what: 'three dead letters in payments.dlq', timeoutMs: 90_000 });
    await waitFor(async () => (await statusCounts(db.pool)).payment_failed === 3, { what: 'three orders payment_failed', timeoutMs: 30_000 });
    // Each went through both delay queues of the pipeline before it was dead-lettered.
    const dead = await vhost.peek('payments.dlq', 3);
    for (const m of dead) {
      const deaths = (m.properties.headers?.['x-death'] ?? []) as { queue: string; reason: string }[];
      expect(deaths.filter((d) => d.reason === 'expired').map((d) => d.queue).sort()).toEqual(['payments.retry.1', 'payments.retry.2']);
    }
    expect(await exchangesIn(vhost.name)).toEqual(before);
  });
});
