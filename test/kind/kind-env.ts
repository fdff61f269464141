import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root (hack/kind lives there). */
export const repoRoot = resolve(import.meta.dirname, '../..');

/** Where `hack/kind/kind up` writes the cluster's settings. */
export function kindEnvPath(): string {
  return join(process.env.ORDERFLOW_STATE ?? join(repoRoot, '.stack'), 'kind', 'env');
}

let cached: Readonly<Record<string, string>> | undefined;

/**
 * One setting of the kind cluster (KIND_KUBECONFIG, KUBECTL, KIND, DOCKER, KIND_ORDER_API_URL...).
 * Throws (the test fails, never skips) when the cluster has not been brought up.
 */
export function kindSetting(name: string): string {
  if (cached === undefined) {
    let text: string;
    try {
      text = readFileSync(kindEnvPath(), 'utf8');
    } catch {
      throw new Error(`no kind cluster settings at ${kindEnvPath()}: run 'hack/kind/kind up' first (hack/test does this)`);
    }
    const out: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
    }
    cached = Object.freeze(out);
  }
  const value = cached[name];
  if (value === undefined || value === '') throw new Error(`${kindEnvPath()} has no ${name}`);
  return value;
}

/** Runs a command; rejects with its stderr when it exits non-zero. */
export async function command(file: string, args: string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await run(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** kubectl against the kind cluster. */
export async function kubectl(...args: string[]): Promise<string> {
  return command(kindSetting('KUBECTL'), ['--kubeconfig', kindSetting('KIND_KUBECONFIG'), '--context', kindSetting('KIND_CONTEXT'), ...args]);
}

/** kubectl ... -o json, parsed. */
export async function kubectlJson<T>(...args: string[]): Promise<T> {
  return JSON.parse(await kubectl(...args, '-o', 'json')) as T;
}

/** The parts of a Pod the tests read. */
export interface Pod {
  metadata: { name: string; namespace: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { containers: { name: string; image: string }[] };
  status: {
    phase: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; ready: boolean; image: string; imageID: string; restartCount: number }[];
  };
}

/** Running, Ready and not being deleted. */
export function isReady(pod: Pod): boolean {
  return (
    pod.metadata.deletionTimestamp === undefined &&
    pod.status.phase === 'Running' &&
    (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** The Pods of one app (label app=NAME) in a namespace. */
export async function podsOf(namespace: string, app: string): Promise<Pod[]> {
  return (await kubectlJson<{ items: Pod[] }>('get', 'pods', '-n', namespace, '-l', `app=${app}`)).items;
}
