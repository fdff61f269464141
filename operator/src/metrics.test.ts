import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, createOperatorMetrics } from './metrics.ts';

async function readyLines(registry: ReturnType<typeof createMetricsRegistry>): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((l) => l.startsWith('orderflow_operator_pipelines_ready{'));
}

describe('orderflow_operator_pipelines_ready', () => {
  it('counts pipelines by their last Ready status, every status a series, and forgets deleted ones', async () => {
    const registry = createMetricsRegistry();
    const metrics = createOperatorMetrics(registry);
    expect(await readyLines(registry)).toEqual(['orderflow_operator_pipelines_ready{status="True"} 0', 'orderflow_operator_pipelines_ready{status="False"} 0', 'orderflow_operator_pipelines_ready{status="Unknown"} 0']);

    metrics.readiness.observe('shop/a', 'True');
    metrics.readiness.observe('shop/b', 'False');
    metrics.readiness.observe('shop/c', 'False');
    // A pipeline counts once, by its latest status.
    metrics.readiness.observe('shop/c', 'True');
    metrics.readiness.observe('shop/c', 'True');
    expect(await readyLines(registry)).toEqual(['orderflow_operator_pipelines_ready{status="True"} 2', 'orderflow_operator_pipelines_ready{status="False"} 1', 'orderflow_operator_pipelines_ready{status="Unknown"} 0']);

    metrics.readiness.forget('shop/b');
    metrics.readiness.forget('shop/never-seen');
    expect(await readyLines(registry)).toEqual(['orderflow_operator_pipelines_ready{status="True"} 2', 'orderflow_operator_pipelines_ready{status="False"} 0', 'orderflow_operator_pipelines_ready{status="Unknown"} 0']);
  });
});
