import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@orderflow/testkit';

const NODE = fileURLToPath(new URL('../../../../node_modules/.bin/node', import.meta.url));
const MAIN = {
  'payment-provider': fileURLToPath(new URL('../../../payment-provider/src/main.ts', import.meta.url)),
  'payment-worker': fileURLToPath(new URL('../../src/main.ts', import.meta.url)),
  'order-api': fileURLToPath(new URL('../../../order-api/src/main.ts', import.meta.url)),
  'stream-aggregator': fileURLToPath(new URL('../../../stream-aggregator/src/main.ts', import.meta.url)),
  'order-indexer': fileURLToPath(new URL('../../../order-indexer/src/main.ts', import.meta.url)),
} as const;

/** Apps this helper can start. */
export type AppName = keyof typeof MAIN;

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** An app running as a child process. */
export interface RunningApp {
  url: string;
  process: ChildProcess;
  /** Everything it logged, for failure messages. */
  output(): string;
  /** SIGTERM and wait for exit (graceful drain). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Peak resident set size so far, in bytes (Linux VmHWM). */
  peakRss(): number;
  /** CPU time used so far (user + system), in seconds. */
  cpuSeconds(): number;
}

/** CPU seconds (user + system) a live process has used, from /proc (0 when it is gone). */
export function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Peak RSS of a live process in bytes, from /proc (0 when it is gone). */
export function peakRssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

/** Starts `app` with `env` on a free port and waits until /readyz answers 200. */
export async function startApp(app: AppName, env: Record<string, string>): Promise<RunningApp> {
  const port = await freePort();
  const child = spawn(NODE, [MAIN[app]], {
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'warn',
      // APP_NODE_OPTIONS reaches the apps only (for example --cpu-prof while benchmarking).
      ...(process.env.APP_NODE_OPTIONS === undefined ? {} : { NODE_OPTIONS: process.env.APP_NODE_OPTIONS }),
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}: ${output}`);
        const res = await fetch(`${url}/readyz`);
        return res.ok;
      },
      { timeoutMs: 30_000, what: `${app} to be ready` },
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output}`, { cause: err });
  }
  return {
    url,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    peakRss: () => peakRssOf(child.pid),
    cpuSeconds: () => cpuSecondsOf(child.pid),
  };
}

/** Reads one sample of a metric from a Prometheus text page (first series whose labels contain `labels`). */
export async function metricValue(baseUrl: string, name: string, labels = ''): Promise<number | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!(rest.startsWith(' ') || rest.startsWith('{'))) continue;
    if (labels !== '' && !rest.includes(labels)) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Sets the provider's fault injection at runtime. */
export async function setFaults(providerUrl: string, faults: { failureRate?: number; latencyMs?: number; jitterMs?: number }): Promise<void> {
  const res = await fetch(`${providerUrl}/admin/faults`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (!res.ok) throw new Error(`setting faults: ${res.status} ${await res.text()}`);
}

/** The provider's ledger: charges per idempotency key (= order id). */
export interface Ledger {
  charges: number;
  requests: number;
  entries: { idempotencyKey: string; chargeId: string; amountMinor: number; requests: number }[];
}

/** Reads the provider's ledger (admin-only, with {@link ADMIN_TOKEN}). */
export async function ledger(providerUrl: string): Promise<Ledger> {
  const res = await fetch(`${providerUrl}/ledger`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (!res.ok) throw new Error(`reading the ledger: ${res.status} ${await res.text()}`);
  return (await res.json()) as Ledger;
}

/** Charge requests the provider received (refused and failed ones included), per idempotency key. */
export interface ChargeRequests {
  total: number;
  byKey: Record<string, number>;
}

/** Reads how many charge requests reached the provider, for every key or for `key` alone. */
export async function chargeRequests(providerUrl: string, key?: string): Promise<ChargeRequests> {
  const query = key === undefined ? '' : `?key=${encodeURIComponent(key)}`;
  const res = await fetch(`${providerUrl}/admin/charge-requests${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (!res.ok) throw new Error(`reading charge requests: ${res.status} ${await res.text()}`);
  return (await res.json()) as ChargeRequests;
}

export { freePort };
