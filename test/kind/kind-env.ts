import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root (hack/kind lives there). */
export const repoRoot = resolve(import.meta.dirname, '../..');

/**
 * The development infrastructure's parts (charts/orderflow-dev-infra), as hack/kind builds them:
 * the INFRA list of hack/kind/lib/images.sh. A test installing its own copy sets an image for
 * each, since the dev values' apps need them all (the indexer OpenSearch, tracing Jaeger).
 */
export const DEV_INFRA: readonly string[] = (() => {
  const m = /^INFRA=\(([^)]*)\)/m.exec(readFileSync(resolve(repoRoot, 'hack/kind/lib/images.sh'), 'utf8'));
  if (m === null) throw new Error('hack/kind/lib/images.sh has no INFRA=(...) line');
  return m[1]!.trim().split(/\s+/);
})();

/** Where `hack/kind/kind up` writes the cluster's settings. */
export function kindEnvPath(): string {
  return join(process.env.ORDERFLOW_STATE ?? join(repoRoot, '.stack'), 'kind', 'env');
}

let cached: Readonly<Record<string, string>> | undefined;

/**
 * Parses the settings file: one `KEY='value'` a line, quoted for bash (`'\''` is a quote inside
 * a value); an unquoted `KEY=value` (an older hack/kind) is taken as it is.
 */
export function parseKindEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const raw = line.slice(eq + 1);
    out[line.slice(0, eq)] = raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2 ? raw.slice(1, -1).replaceAll("'\\''", "'") : raw;
  }
  return out;
}

/**
 * One setting of the kind cluster (KIND_KUBECONFIG, KUBECTL, KIND, DOCKER, KIND_ORDER_API_URL,
 * KIND_NAMESPACE...). Throws (the test fails, never skips) when the cluster has not been brought up.
 */
export function kindSetting(name: string): string {
  if (cached === undefined) {
    let text: string;
    try {
      text = readFileSync(kindEnvPath(), 'utf8');
    } catch {
      throw new Error(`no kind cluster settings at ${kindEnvPath()}: run 'hack/kind/kind up' first (hack/test does this)`);
    }
    cached = Object.freeze(parseKindEnv(text));
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

/** The Pods of one app (label app=NAME) in a namespace: the development infrastructure's. */
export async function podsOf(namespace: string, app: string): Promise<Pod[]> {
  return podsSelected(namespace, `app=${app}`);
}

/** The Pods a label selector picks in a namespace. */
export async function podsSelected(namespace: string, selector: string): Promise<Pod[]> {
  return (await kubectlJson<{ items: Pod[] }>('get', 'pods', '-n', namespace, '-l', selector)).items;
}

/** The parts of the platform that `hack/kind/kind up` installs with charts/orderflow. */
export type Workload = 'operator' | 'order-api' | 'payment-provider' | 'catalog-api' | 'dashboard' | 'payment-worker' | 'stream-aggregator';

/** The default OrderPipeline of the chart's values, whose consumers the operator runs. */
export const PIPELINE = 'checkout';
const CONSUMERS: ReadonlySet<Workload> = new Set(['payment-worker', 'stream-aggregator']);

/** Where a workload of the platform's release runs, and how to reach and select it. */
export interface PlatformWorkload {
  namespace: string;
  /** Its Deployment and its Service (the same name). */
  name: string;
  /** The Service's port. */
  port: number;
  /** Label selector of its Pods. */
  selector: string;
}

/**
 * A workload of the release (KIND_RELEASE in KIND_NAMESPACE): the chart's own Deployments are
 * `<fullname>-<component>` (charts/orderflow "orderflow.fullname"), the pipeline's consumers are
 * the operator's `<pipeline>-<consumer>` with a headless Service on the consumer port.
 */
export function platformWorkload(workload: Workload): PlatformWorkload {
  const namespace = kindSetting('KIND_NAMESPACE');
  const release = kindSetting('KIND_RELEASE');
  if (CONSUMERS.has(workload)) {
    return { namespace, name: `${PIPELINE}-${workload}`, port: 8080, selector: `orderflow.dev/pipeline=${PIPELINE},orderflow.dev/consumer=${workload}` };
  }
  const fullname = release.includes('orderflow') ? release : `${release}-orderflow`;
  return {
    namespace,
    name: `${fullname}-${workload}`,
    port: workload === 'operator' ? 8090 : 80,
    selector: `app.kubernetes.io/instance=${release},app.kubernetes.io/component=${workload}`,
  };
}

/** The Pods of a workload of the platform's release. */
export async function platformPods(workload: Workload): Promise<Pod[]> {
  const w = platformWorkload(workload);
  return podsSelected(w.namespace, w.selector);
}
