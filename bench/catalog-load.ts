import { Pool as HttpPool } from 'undici';
import { quantile } from './lib/stats.ts';

/** One request's result. */
export interface Sample {
  ms: number;
  outcome: string;
}

/** Latency figures of a set of samples. */
export interface Figures {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** p50, p99 and max of the samples' latencies. */
export function figures(samples: readonly Sample[]): Figures {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  return { count: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN };
}

/**
 * Sends `paths` (in order) with `concurrency` requests in flight over keep-alive connections;
 * each sample is timed from send to the last body byte, and labelled with the x-cache header.
 */
export async function run(origin: string, paths: readonly string[], concurrency: number): Promise<{ samples: Sample[]; seconds: number }> {
  const http = new HttpPool(origin, { connections: concurrency, pipelining: 1 });
  const samples: Sample[] = new Array<Sample>(paths.length);
  let next = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < paths.length; i = next++) {
          const t0 = performance.now();
          const res = await http.request({ method: 'GET', path: paths[i]! });
          await res.body.text();
          const ms = performance.now() - t0;
          if (res.statusCode !== 200) throw new Error(`GET ${paths[i]} answered ${res.statusCode}`);
          samples[i] = { ms, outcome: String(res.headers['x-cache']) };
        }
      }),
    );
  } finally {
    await http.close();
  }
  return { samples, seconds: (performance.now() - started) / 1000 };
}
