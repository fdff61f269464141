import { describe, expect, it } from 'vitest';
import { AckTracker } from './ack-tracker.ts';

function tracker(n: number): AckTracker {
  const t = new AckTracker();
  for (let tag = 1; tag <= n; tag++) t.delivered(tag);
  return t;
}

describe('AckTracker', () => {
  it('acks a settled run from the head with one multiple ack', () => {
    const t = tracker(5);
    expect(t.settle([3, 1, 2])).toEqual([{ tag: 3, multiple: true }]);
    expect(t.outstanding).toBe(2);
  });

  it('acks deliveries behind a busy one singly, and never the same tag twice', () => {
    const t = tracker(6);
    expect(t.settle([2, 3])).toEqual([
      { tag: 2, multiple: false },
      { tag: 3, multiple: false },
    ]);
    // 1 settles: the run is just 1 (2 and 3 are already acked), then 4..6 stay outstanding.
    expect(t.settle([1])).toEqual([{ tag: 1, multiple: true }]);
    expect(t.settle([5, 4, 6])).toEqual([{ tag: 6, multiple: true }]);
    expect(t.outstanding).toBe(0);
  });

  it('ignores unknown and repeated tags', () => {
    const t = tracker(2);
    expect(t.settle([1])).toEqual([{ tag: 1, multiple: true }]);
    expect(t.settle([1, 99])).toEqual([]);
    t.reset();
    expect(t.outstanding).toBe(0);
    expect(t.settle([2])).toEqual([]);
  });

  it('compacts its window over long runs', () => {
    const t = new AckTracker();
    for (let tag = 1; tag <= 10_000; tag++) {
      t.delivered(tag);
      expect(t.settle([tag])).toEqual([{ tag, multiple: true }]);
    }
    expect(t.outstanding).toBe(0);
  });
});
