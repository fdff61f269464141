import { onTestFinished } from 'vitest';
import { ApiException, KubeConfig, CoreV1Api } from '@kubernetes/client-node';
import { stackSetting, uniqueName } from '@orderflow/testkit';

/** An admin KubeConfig for the local control plane (hack/stack up controlplane). */
export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(stackSetting('KUBECONFIG'));
  return kc;
}

/** The API server's own answer to a failed request: HTTP code, reason and message. */
export interface ApiFailure {
  code: number;
  reason: string;
  message: string;
}

/** Runs `call`, expecting the API server to refuse it; returns its Status. */
export async function apiFailure(call: () => Promise<unknown>): Promise<ApiFailure> {
  try {
    await call();
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body: unknown = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    const status = (body ?? {}) as { reason?: string; message?: string };
    return { code: err.code, reason: status.reason ?? '', message: status.message ?? '' };
  }
  throw new Error('the API server accepted a request it should have refused');
}

/**
 * Creates a namespace no other run uses, deleted when the current test finishes. Called inside
 * the test, so an unreachable API server fails the test rather than skipping it.
 */
export async function testNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = uniqueName(`test-${prefix}`);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name, labels: { 'orderflow.dev/test': prefix } } } });
  onTestFinished(() => deleteNamespace(kc, name));
  return name;
}

/** Starts the namespace's deletion; the namespace controller finishes it in the background. */
export async function deleteNamespace(kc: KubeConfig, name: string): Promise<void> {
  try {
    await kc.makeApiClient(CoreV1Api).deleteNamespace({ name });
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 404)) throw err;
  }
}

/** True when the API server answers 404 for the object `read` fetches. */
export async function isGone(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return false;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return true;
    throw err;
  }
}
