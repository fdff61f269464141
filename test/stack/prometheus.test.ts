import { stackSetting, waitFor } from '@orderflow/testkit';
import { describe, expect, it } from 'vitest';

interface Target { labels: { job: string }; health: string; lastError: string }

describe('Prometheus (real server)', () => {
  it('scrapes itself and RabbitMQ with both targets up', async () => {
    const base = stackSetting('PROMETHEUS_URL');
    const targets = await waitFor(async () => {
      const res = await fetch(`${base}/api/v1/targets?state=active`);
      const body = (await res.json()) as { data: { activeTargets: Target[] } };
      const byJob = new Map(body.data.activeTargets.map((t) => [t.labels.job, t]));
      return byJob.get('prometheus')?.health === 'up' && byJob.get('rabbitmq')?.health === 'up' ? byJob : undefined;
    }, { timeoutMs: 60_000, what: 'prometheus and rabbitmq targets up' });
    expect(targets.get('rabbitmq')?.lastError).toBe('');

    const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent('up{job="rabbitmq"}')}`);
    const query = (await res.json()) as { data: { result: { value: [number, string] }[] } };
    expect(query.data.result[0]?.value[1]).toBe('1');
  });
});
