import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, stackEnv, stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { orderPipelineCrd } from '../src/api/crd.ts';
import type { Condition, OrderPipeline } from '../src/api/order-pipeline.ts';
import { KubeClient } from '../src/kube/kube-client.ts';
import { loadKubeconfig } from '../src/kube/kube-config.ts';
import { pipelinePath } from '../src/kube/paths.ts';
import { FINALIZER, LABELS } from '../src/names.ts';

const operatorDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(operatorDir, '..');
const node = join(repoRoot, 'node_modules/.bin/node');

/** A client for the local control plane, as the stack's kubeconfig allows. */
export function kubeClient(): KubeClient {
  return new KubeClient(loadKubeconfig(stackSetting('KUBECONFIG')));
}

/** Installs (server-side applies) the CRD generated from the TypeScript types and waits until it is served. */
export async function ensureCrd(kube: KubeClient): Promise<void> {
  const crd = orderPipelineCrd() as { metadata: { name: string } };
  await kube.apply(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`, crd, 'orderflow-operator-tests');
  await waitFor(
    async () => {
      const got = await kube.get<{ status?: { conditions?: { type: string; status: string }[] } }>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
      return got?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true;
    },
    { what: 'the OrderPipeline CRD to be established', timeoutMs: 30_000 },
  );
}

/** A fresh namespace for one test file; its name doubles as the operator instance name. */
export async function createNamespace(kube: KubeClient, prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await kube.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'orderflow.dev/test': 'operator' } } } });
  return name;
}

/** Deletes a test namespace; pipelines whose operator is gone lose their finalizer first. */
export async function deleteNamespace(kube: KubeClient, name: string): Promise<void> {
  const list = await kube.get<{ items: OrderPipeline[] }>(pipelinePath(name));
  for (const p of list?.items ?? []) {
    if ((p.metadata.finalizers ?? []).includes(FINALIZER)) await kube.mergePatch(pipelinePath(name, p.metadata.name), { metadata: { finalizers: null } });
  }
  await kube.request('DELETE', `/api/v1/namespaces/${name}`, { allowNotFound: true });
}

/** An operator started as its own process (node src/main.ts), as in production. */
export interface OperatorProcess {
  child: ChildProcess;
  port: number;
  identity: string;
  logFile: string;
  exited: Promise<number | null>;
  /** GET /readyz detail. */
  readyz(): Promise<{ status: number; body: { leader?: boolean; started?: boolean } }>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the operator on the local stack, confined to `instance` (pipelines labelled
 * orderflow.dev/operator=<instance>) in `namespace`, with its lease there too.
 */
export async function startOperator(namespace: string, env: Record<string, string> = {}): Promise<OperatorProcess> {
  const port = await freePort();
  const identity = uniqueName('op');
  const logDir = join(repoRoot, '.stack', 'operator-tests');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${namespace}-${identity}.log`);
  const out = createWriteStream(logFile);
  const settings: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    ...stackEnv(),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    POD_NAME: identity,
    WATCH_NAMESPACE: namespace,
    OPERATOR_INSTANCE: namespace,
    LEASE_NAMESPACE: namespace,
    LEASE_NAME: 'orderflow-operator',
    CONSUMERS_READY_WHEN: 'created',
    RESYNC_MS: '3000',
    ...env,
  };
  // An empty value unsets the variable (WATCH_NAMESPACE: '' watches every namespace).
  for (const [k, v] of Object.entries(settings)) if (v === '') delete settings[k];
  const child = spawn(node, ['src/main.ts'], {
    cwd: operatorDir,
    env: settings,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const readyz = async (): Promise<{ status: number; body: { leader?: boolean; started?: boolean } }> => {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { status: res.status, body: (await res.json()) as { leader?: boolean; started?: boolean } };
  };
  await waitFor(async () => (await readyz()).status === 200, { what: `operator ${identity} to be ready (log: ${logFile})`, timeoutMs: 30_000, intervalMs: 200 });
  return {
    child,
    port,
    identity,
    logFile,
    exited,
    readyz,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

/** Creates (server-side applies) a pipeline for the test's operator instance. */
export async function applyPipeline(kube: KubeClient, namespace: string, name: string, spec: unknown, instance = namespace): Promise<OrderPipeline> {
  return kube.apply<OrderPipeline>(
    pipelinePath(namespace, name),
    { apiVersion: 'orderflow.dev/v1alpha1', kind: 'OrderPipeline', metadata: { name, namespace, labels: { [LABELS.operator]: instance } }, spec },
    'orderflow-operator-tests',
  );
}

export async function getPipeline(kube: KubeClient, namespace: string, name: string): Promise<OrderPipeline | undefined> {
  return kube.get<OrderPipeline>(pipelinePath(namespace, name));
}

export function condition(p: OrderPipeline | undefined, type: string): Condition | undefined {
  return p?.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the pipeline's condition has the status (and reason), for the current generation. */
export async function waitForCondition(kube: KubeClient, namespace: string, name: string, type: string, status: string, reason?: string, timeoutMs = 60_000): Promise<OrderPipeline> {
  return waitFor(
    async () => {
      const p = await getPipeline(kube, namespace, name);
      const c = condition(p, type);
      const current = p?.status?.observedGeneration === p?.metadata.generation;
      return current && c?.status === status && (reason === undefined || c.reason === reason) ? p : undefined;
    },
    { what: `${namespace}/${name} ${type}=${status}${reason === undefined ? '' : ` (${reason})`}`, timeoutMs, intervalMs: 250 },
  );
}

/** Events recorded for an object, as reason → messages. */
export async function eventsFor(kube: KubeClient, namespace: string, name: string): Promise<{ reason: string; message: string; type: string; reportingInstance?: string }[]> {
  const list = await kube.get<{ items: { reason: string; message: string; type: string; reportingInstance?: string }[] }>(`/api/v1/namespaces/${namespace}/events`, { fieldSelector: `involvedObject.name=${name}` });
  return list?.items ?? [];
}

/** The operator's /metrics text. */
export async function operatorMetrics(op: OperatorProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${op.port}/metrics`)).text();
}

/** Deletes a pipeline and waits until it is gone (its finalizer done). */
export async function deletePipelineAndWait(kube: KubeClient, namespace: string, name: string, timeoutMs = 30_000): Promise<void> {
  await kube.request('DELETE', pipelinePath(namespace, name));
  await waitFor(async () => (await getPipeline(kube, namespace, name)) === undefined, { what: `${namespace}/${name} to be deleted`, timeoutMs });
}

export { freePort };
