import { createLogger } from '@orderflow/logging';
import { describe, expect, it } from 'vitest';
import { KubeRequestFailed } from '../errors.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { Informer } from './informer.ts';

interface Obj { metadata: { name: string; namespace: string; resourceVersion: string } }

/** A client that answers the list with the given outcomes in turn and never watches. */
function scriptedClient(outcomes: (Error | Obj[])[]): { client: KubeClient; lists: () => number } {
  let calls = 0;
  const client = {
    request: () => {
      const next = outcomes[Math.min(calls++, outcomes.length - 1)]!;
      if (next instanceof Error) return Promise.reject(next);
      return Promise.resolve({ metadata: { resourceVersion: '7' }, items: next });
    },
    watch: (_path: string, _q: unknown, _on: unknown, opts: { signal: AbortSignal }) =>
      new Promise((resolve) => opts.signal.addEventListener('abort', () => resolve('aborted'))),
  } as unknown as KubeClient;
  return { client, lists: () => calls };
}

const log = createLogger('informer-test', { level: 'silent' });
const pipeline: Obj = { metadata: { name: 'p', namespace: 'ns', resourceVersion: '7' } };

describe('Informer initial list', () => {
  it('retries while the API server is not ready to serve the kind (429, 5xx)', async () => {
    const throttled = new KubeRequestFailed(['GET /apis/x', 429, 'storage is (re)initializing'], { details: { status: 429 } });
    const unavailable = new KubeRequestFailed(['GET /apis/x', 503, 'unavailable'], { details: { status: 503 } });
    const { client, lists } = scriptedClient([throttled, unavailable, [pipeline]]);
    const seen: string[] = [];
    const informer = new Informer<Obj>({ path: '/apis/x', idleMs: 60_000, log, onEvent: (type, o) => seen.push(`${type} ${o.metadata.name}`) });
    await informer.start(client);
    expect(lists()).toBe(3);
    expect(informer.synced).toBe(true);
    expect(seen).toEqual(['ADDED p']);
    await informer.stop();
  });

  it('fails at once on an answer retrying cannot change (403)', async () => {
    const forbidden = new KubeRequestFailed(['GET /apis/x', 403, 'forbidden'], { details: { status: 403 } });
    const { client, lists } = scriptedClient([forbidden, [pipeline]]);
    const informer = new Informer<Obj>({ path: '/apis/x', idleMs: 60_000, log, onEvent: () => undefined });
    await expect(informer.start(client)).rejects.toThrow(/HTTP 403/);
    expect(lists()).toBe(1);
  });
});
