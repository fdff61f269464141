import { describe, expect, it } from 'vitest';
import { detectAnomalies, type AnomalyRules } from './anomalies.ts';

const rules: AnomalyRules = { sigma: 3, sigmaMinWindows: 5, thresholdHigh: 500, thresholdLow: 1 };
const steady = [98, 103, 100, 97, 101, 99, 102, 100];
const W = '2026-01-01T10:00:00.000Z';

describe('detectAnomalies', () => {
  it('is quiet for steady traffic', () => {
    for (const count of [95, 100, 104, 110]) expect(detectAnomalies(W, count, steady, rules)).toEqual([]);
  });

  it('fires sigma_high for a spike, with a deterministic id', () => {
    const [a] = detectAnomalies(W, 180, steady, rules);
    expect(a).toMatchObject({ alertId: `sigma_high:${W}`, kind: 'sigma_high', observed: 180, expected: 100, windowStart: W });
    expect(a?.threshold).toBeGreaterThan(100);
    expect(a?.threshold).toBeLessThan(180);
  });

  it('fires sigma_low and threshold_low for a drop', () => {
    const kinds = detectAnomalies(W, 0, steady, rules).map((a) => a.kind);
    expect(kinds.sort()).toEqual(['sigma_low', 'threshold_low']);
  });

  it('fires threshold_high above the configured limit, and no sigma alert without enough history', () => {
    expect(detectAnomalies(W, 600, [100, 100], rules).map((a) => [a.kind, a.threshold, a.expected])).toEqual([['threshold_high', 500, null]]);
  });
});
