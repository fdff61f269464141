import { describe, expect, it } from 'vitest';
import { SingleFlight } from './single-flight.ts';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('runs once for concurrent callers of one key and shares the result', async () => {
    const flights = new SingleFlight<number>();
    const gate = deferred<number>();
    let runs = 0;
    let joined = 0;
    const calls = Array.from({ length: 100 }, () =>
      flights.run('k', () => {
        runs++;
        return gate.promise;
      }, () => joined++),
    );
    gate.resolve(42);
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 100 }, () => 42));
    expect({ runs, joined, size: flights.size }).toEqual({ runs: 1, joined: 99, size: 0 });
  });

  it('shares a failure, then lets the next call try again', async () => {
    const flights = new SingleFlight<number>();
    const gate = deferred<number>();
    const a = flights.run('k', () => gate.promise);
    const b = flights.run('k', () => Promise.resolve(0));
    gate.reject(new Error('down'));
    await expect(a).rejects.toThrow('down');
    await expect(b).rejects.toThrow('down');
    await expect(flights.run('k', () => Promise.resolve(1))).resolves.toBe(1);
  });

  it('after forget, new callers start a new flight while the old one finishes for its own callers', async () => {
    const flights = new SingleFlight<string>();
    const old = deferred<string>();
    const first = flights.run('k', () => old.promise);
    flights.forget('k');
    const second = flights.run('k', () => Promise.resolve('new'));
    old.resolve('old');
    expect([await first, await second]).toEqual(['old', 'new']);
    // The old flight's cleanup must not remove a newer flight.
    const third = deferred<string>();
    const running = flights.run('k', () => third.promise);
    expect(flights.size).toBe(1);
    third.resolve('x');
    await running;
  });
});
