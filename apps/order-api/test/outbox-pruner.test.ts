import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxPruner } from '../src/relay/outbox-pruner.ts';
import { createHarness, testLogger, type Harness } from './support/harness.ts';

describe('outbox pruner', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('deletes only rows confirmed longer ago than the retention, in chunks', async () => {
    await h.pool.query(
      `insert into outbox (aggregate_id, event_type, exchange, routing_key, payload, published_at)
       select gen_random_uuid(), 'order.created', 'orders', 'order.created', '{}', p
         from (select now() - interval '3 hours' as p from generate_series(1, 12)
               union all select now() - interval '10 minutes' from generate_series(1, 3)
               union all select null from generate_series(1, 4)) rows`,
    );
    const pruner = new OutboxPruner({ pool: h.pool, logger: testLogger(), retentionMs: 3_600_000, chunk: 5 });
    expect(await pruner.pruneOnce()).toBe(12);
    const left = await h.pool.query<{ published: number; pending: number }>(
      `select count(*) filter (where published_at is not null)::int as published, count(*) filter (where published_at is null)::int as pending from outbox`,
    );
    expect(left.rows[0]).toEqual({ published: 3, pending: 4 });
    expect(await pruner.pruneOnce()).toBe(0);
  });
});
