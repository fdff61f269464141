import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyBackoff } from './backoff.ts';
import { WorkQueue } from './work-queue.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('KeyBackoff', () => {
  it('doubles per key up to the maximum and forgets on success', () => {
    const b = new KeyBackoff({ baseMs: 100, maxMs: 1000 });
    expect([b.next('a'), b.next('a'), b.next('a'), b.next('a'), b.next('a')]).toEqual([100, 200, 400, 800, 1000]);
    expect(b.next('b')).toBe(100);
    b.forget('a');
    expect(b.next('a')).toBe(100);
  });
});

describe('WorkQueue', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('deduplicates a key added many times while it waits', async () => {
    const q = new WorkQueue({ concurrency: 1 });
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) q.add('ns/a');
    q.add('ns/b');
    q.start((key) => {
      seen.push(key);
      return Promise.resolve();
    });
    await vi.runAllTimersAsync();
    expect(seen).toEqual(['ns/a', 'ns/b']);
  });

  it('never processes one key twice at once, and processes it again if it changed meanwhile', async () => {
    const q = new WorkQueue({ concurrency: 4 });
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    q.start(async () => {
      calls++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      if (calls === 1) await gate.promise;
      running--;
    });
    q.add('ns/a');
    await vi.advanceTimersByTimeAsync(0);
    q.add('ns/a');
    q.add('ns/a');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    gate.resolve();
    await vi.runAllTimersAsync();
    expect(calls).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('limits concurrency across keys', async () => {
    const q = new WorkQueue({ concurrency: 2 });
    const gate = deferred();
    q.start(async () => gate.promise);
    for (const k of ['a', 'b', 'c', 'd']) q.add(k);
    await vi.advanceTimersByTimeAsync(0);
    expect(q.active).toBe(2);
    expect(q.depth).toBe(2);
    gate.resolve();
    await vi.runAllTimersAsync();
    expect(q.active).toBe(0);
  });

  it('backs a failing key off exponentially, without delaying other keys', async () => {
    const q = new WorkQueue({ concurrency: 1, backoff: { baseMs: 1000, maxMs: 60_000 } });
    const times: Record<string, number[]> = { bad: [], good: [] };
    q.start((key) => {
      times[key]!.push(Date.now());
      return key === 'bad' ? Promise.reject(new Error('broker down')) : Promise.resolve();
    });
    const t0 = Date.now();
    q.add('bad');
    q.add('good');
    await vi.advanceTimersByTimeAsync(7_500);
    expect(times.good!.map((t) => t - t0)).toEqual([0]);
    // Attempts at 0, +1 s, +2 s, +4 s after each previous one.
    expect(times.bad!.map((t) => t - t0)).toEqual([0, 1000, 3000, 7000]);
    expect(q.failures('bad')).toBe(4);
  });

  it('requeues after the delay a handler asks for (periodic resync)', async () => {
    const q = new WorkQueue();
    let calls = 0;
    q.start(() => {
      calls++;
      return Promise.resolve({ requeueAfterMs: 30_000 });
    });
    q.add('k');
    await vi.advanceTimersByTimeAsync(29_000);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
  });

  it('shutdown waits for work in progress and drops the rest', async () => {
    const q = new WorkQueue({ concurrency: 1 });
    const gate = deferred();
    const done: string[] = [];
    q.start(async (key) => {
      await gate.promise;
      done.push(key);
    });
    q.add('a');
    q.add('b');
    await vi.advanceTimersByTimeAsync(0);
    const stopped = q.shutdown();
    gate.resolve();
    await stopped;
    expect(done).toEqual(['a']);
  });
});
