import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';

const run = promisify(execFile);

/** One `redis-benchmark -t get` result. */
export interface RedisBenchResult {
  concurrency: number;
  rps: number;
  p50: number;
  p99: number;
}

// redis-benchmark -t get reads this literal key (no -r given).
const KEY = 'key:__rand_int__';

/**
 * `redis-benchmark -t get` against the same Redis, as the floor under any cache hit. It runs
 * as a throwaway ACL user that may only GET that one key (its password is on a command line
 * for the run's duration; the stack's password never is). The key holds a value of
 * `valueBytes`, the size of a cached entry, so GET returns as much as a hit does.
 */
export async function redisGetFloor(admin: Redis, host: string, port: number, valueBytes: number, runs: readonly { concurrency: number; requests: number }[]): Promise<RedisBenchResult[]> {
  const user = `catalog-bench-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(24).toString('hex');
  await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, 'resetkeys', `~${KEY}`, 'resetchannels', '-@all', '+get', '+ping');
  await admin.set(KEY, 'x'.repeat(valueBytes), 'EX', 3_600);
  const results: RedisBenchResult[] = [];
  try {
    for (const r of runs) {
      const { stdout } = await run('redis-benchmark', ['-h', host, '-p', String(port), '--user', user, '-a', password, '-t', 'get', '-n', String(r.requests), '-c', String(r.concurrency), '--csv']);
      // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
      const row = stdout.split('\n').find((l) => l.startsWith('"GET"'));
      if (row === undefined) throw new Error(`redis-benchmark printed no GET row:\n${stdout}`);
      const cells = row.split(',').map((c) => Number(c.replace(/"/g, '')));
      results.push({ concurrency: r.concurrency, rps: cells[1]!, p50: cells[4]!, p99: cells[6]! });
    }
  } finally {
    await admin.del(KEY);
    await admin.call('ACL', 'DELUSER', user);
  }
  return results;
}
