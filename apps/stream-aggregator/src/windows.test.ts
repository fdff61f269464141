import { describe, expect, it } from 'vitest';
import { WindowStore } from './windows.ts';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const at = (minute: number, second: number): number => T0 + minute * 60_000 + second * 1_000;
const eur = (minor: number) => ({ currency: 'EUR', totalMinor: minor });
const NOW = 1_000;

describe('WindowStore', () => {
  it('counts per minute on event time: out-of-order, late within lateness, late beyond it, duplicates, empty minutes', () => {
    const store = new WindowStore({ allowedLatenessMs: 30_000, historySize: 10, idlePartitionMs: 5_000 });
    expect(store.add('a', at(0, 10), eur(100), 0, NOW)).toBe('counted');
    expect(store.add('b', at(0, 50), { currency: 'USD', totalMinor: 7 }, 0, NOW)).toBe('counted');
    // Out of order: minute 1 before the rest of minute 0.
    expect(store.add('c', at(1, 5), eur(200), 0, NOW)).toBe('counted');
    expect(store.add('d', at(0, 59), eur(1), 0, NOW)).toBe('counted');
    // The same event again (a relay re-send): counted once.
    expect(store.add('a', at(0, 10), eur(100), 0, NOW)).toBe('duplicate');
    let closed = store.close(NOW);
    expect(closed.finals).toEqual([]);
    expect(closed.updates.map((u) => [u.windowStart, u.orderCount, u.final])).toEqual([
      ['2026-01-01T10:00:00.000Z', 3, false],
      ['2026-01-01T10:01:00.000Z', 1, false],
    ]);

    // Minute 0 ends at 10:01:00; 20 s later (within 30 s lateness) an event for it still counts.
    expect(store.add('e', at(1, 20), eur(5), 0, NOW)).toBe('counted');
    expect(store.add('f', at(0, 30), eur(10), 0, NOW)).toBe('counted');
    // Event time reaches 10:04:31: minutes 0..3 have ended more than 30 s ago and are final (2 and 3 empty).
    expect(store.add('g', at(4, 31), eur(1), 0, NOW)).toBe('counted');
    closed = store.close(NOW);
    expect(closed.finals.map((f) => [f.figures.windowStart, f.figures.orderCount, f.figures.final])).toEqual([
      ['2026-01-01T10:00:00.000Z', 4, true],
      ['2026-01-01T10:01:00.000Z', 2, true],
      ['2026-01-01T10:02:00.000Z', 0, true],
      ['2026-01-01T10:03:00.000Z', 0, true],
    ]);
    expect(closed.finals[0]?.figures.revenueMinorByCurrency).toEqual({ EUR: 111, USD: 7 });
    expect(closed.finals[0]?.figures.tps).toBeCloseTo(4 / 60);
    expect(closed.finals[0]?.figures.windowEnd).toBe('2026-01-01T10:01:00.000Z');
    // Each final window carries the counts of the final windows before it (the sigma history).
    expect(closed.finals.map((f) => f.history)).toEqual([[], [4], [4, 2], [4, 2, 0]]);
    expect(closed.updates.map((u) => [u.windowStart, u.orderCount])).toEqual([['2026-01-01T10:04:00.000Z', 1]]);

    // Beyond the allowed lateness: the window is final, the event is dropped as late.
    expect(store.add('h', at(1, 59), eur(1), 0, NOW)).toBe('late');
    expect(store.close(NOW)).toEqual({ updates: [], finals: [] });
  });

  it('restores from a snapshot: same figures, same duplicate detection', () => {
    const a = new WindowStore({ allowedLatenessMs: 0, historySize: 3, idlePartitionMs: 5_000 });
    a.add('x', at(0, 1), eur(1), 0, NOW);
    a.add('y', at(1, 1), eur(2), 0, NOW);
    a.close(NOW);
    const b = new WindowStore({ allowedLatenessMs: 0, historySize: 3, idlePartitionMs: 5_000 });
    const { open, clock } = a.snapshot();
    b.restore(open, clock, NOW);
    expect(b.add('y', at(1, 1), eur(2), 0, NOW)).toBe('duplicate');
    expect(b.add('x', at(0, 1), eur(1), 0, NOW)).toBe('late');
    b.add('z', at(2, 1), eur(3), 0, NOW);
    const closed = b.close(NOW);
    expect(closed.finals.map((f) => [f.figures.windowStart, f.figures.orderCount, f.history])).toEqual([['2026-01-01T10:01:00.000Z', 1, [1]]]);
  });

  it('closes windows only as far as every active partition has come; an idle partition stops holding them', () => {
    const store = new WindowStore({ allowedLatenessMs: 0, historySize: 3, idlePartitionMs: 5_000 });
    store.add('p0-a', at(0, 10), eur(1), 0, NOW);
    store.add('p1-a', at(0, 20), eur(1), 1, NOW);
    // Partition 0 is read ahead to minute 3; partition 1 is still in minute 0.
    store.add('p0-b', at(3, 1), eur(1), 0, NOW);
    expect(store.close(NOW).finals).toEqual([]);
    // Partition 1 catches up to minute 1, still feeding minute 0 first: it counts.
    expect(store.add('p1-b', at(0, 59), eur(1), 1, NOW + 10)).toBe('counted');
    store.add('p1-c', at(1, 30), eur(1), 1, NOW + 10);
    expect(store.close(NOW + 10).finals.map((f) => [f.figures.windowStart, f.figures.orderCount])).toEqual([['2026-01-01T10:00:00.000Z', 3]]);
    // Partition 1 goes quiet: after idlePartitionMs partition 0's time rules alone.
    expect(store.close(NOW + 5_010).finals.map((f) => [f.figures.windowStart, f.figures.orderCount])).toEqual([
      ['2026-01-01T10:01:00.000Z', 1],
      ['2026-01-01T10:02:00.000Z', 0],
    ]);
  });
});
