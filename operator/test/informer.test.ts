import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@orderflow/testkit';
import { createLogger } from '@orderflow/logging';
import { Informer } from '../src/controller/informer.ts';
import type { KubeClient } from '../src/kube/kube-client.ts';
import { objectPath } from '../src/kube/paths.ts';
import { createNamespace, deleteNamespace, kubeClient } from './harness.ts';

// The informer against the real API server: a watch that goes quiet is cut by the watchdog
// and resumed from the last resourceVersion (no re-list), and nothing is missed meanwhile.
const kube: KubeClient = kubeClient();
let ns = '';

beforeAll(async () => {
  ns = await createNamespace(kube, 'op-informer');
});
afterAll(async () => {
  await deleteNamespace(kube, ns);
  kube.close();
});

describe('informer', () => {
  it('restarts a quiet watch from the last resourceVersion and misses no change', async () => {
    const seen: string[] = [];
    const restarts: string[] = [];
    const path = objectPath('v1', 'ConfigMap', ns);
    const informer = new Informer<{ metadata: { name: string; namespace?: string; resourceVersion?: string } }>({
      path,
      labelSelector: 'orderflow.dev/test=informer',
      idleMs: 1000,
      log: createLogger('informer-test', { level: 'silent' }),
      onRestart: (why) => restarts.push(why),
      onEvent: (type, o) => seen.push(`${type} ${o.metadata.name}`),
    });
    const listsBefore = kube.requestCounts.get('GET') ?? 0;
    await informer.start(kube);
    const put = async (name: string): Promise<void> => {
      await kube.apply(`${path}/${name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: { 'orderflow.dev/test': 'informer' } }, data: { k: name } }, 'informer-test');
    };
    await put('one');
    await waitFor(() => seen.includes('ADDED one'), { what: 'the first ConfigMap' });
    // Quiet for several idle periods: the watchdog cuts the watch and resumes it.
    await waitFor(() => restarts.filter((r) => r === 'idle').length >= 2, { what: 'two idle restarts', timeoutMs: 20_000 });
    await put('two');
    await waitFor(() => seen.includes('ADDED two'), { what: 'a change after the restarts' });
    await kube.request('DELETE', `${path}/one`);
    await waitFor(() => seen.includes('DELETED one'), { what: 'the deletion' });
    await informer.stop();
    // One LIST at start; every restart resumed the watch instead of listing again.
    expect((kube.requestCounts.get('GET') ?? 0) - listsBefore).toBe(1);
    expect(seen).toEqual(['ADDED one', 'ADDED two', 'DELETED one']);
    expect(informer.cache.has(`${ns}/two`)).toBe(true);
    expect(informer.cache.has(`${ns}/one`)).toBe(false);
  });
});
