import type { KubeObject } from '../desired.ts';
import { KubeRequestFailed } from '../errors.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { objectPath } from '../kube/paths.ts';
import { FIELD_MANAGER, REASON } from '../names.ts';
import type { Problem } from '../outcome.ts';
import { controlledBy, describeOwner, type OwnedMeta } from './object-ownership.ts';

/** What applying a pipeline's objects did: objects another owner holds are problems, untouched. */
export interface ApplyObjectsResult {
  applied: KubeObject[];
  problems: Problem[];
}

/**
 * Server-side applies objects with the operator's field manager, but only objects this
 * pipeline owns (its controller owner reference) or that do not exist yet: an object of the
 * same name that a person or another pipeline made is left alone and reported. On our own
 * objects, fields other managers own (the HPA's replicas, a user's annotations) are left to
 * them and ours are forced back. `cached` gives an informer's copy of an object, when there is one.
 */
export async function applyObjects(client: KubeClient, objects: readonly KubeObject[], options: { cached?: (o: KubeObject) => OwnedMeta | undefined } = {}): Promise<ApplyObjectsResult> {
  const out: ApplyObjectsResult = { applied: [], problems: [] };
  const results = await Promise.all(objects.map(async (o) => applyOne(client, o, options.cached?.(o))));
  for (const r of results) {
    if ('problem' in r) out.problems.push(r.problem);
    else out.applied.push(r.object);
  }
  return out;
}

/** The API server's words for a field that cannot change in place (HTTP 422). */
const IMMUTABLE = /may not change once set|field is immutable/;

function ownerUid(o: KubeObject): string | undefined {
  return (o.metadata.ownerReferences as { uid?: string; controller?: boolean }[] | undefined)?.find((r) => r.controller === true)?.uid;
}

/**
 * A consumer's Service holds no state, so when a field it cannot change in place differs (a
 * Service from an older operator that was not headless), it is replaced rather than left
 * failing every reconcile: only ever a Service this pipeline owns.
 */
async function applyOne(client: KubeClient, o: KubeObject, cached: OwnedMeta | undefined): Promise<{ object: KubeObject } | { problem: Problem }> {
  const path = objectPath(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
  const uid = ownerUid(o);
  // An informer's copy that this pipeline controls saves the read (steady reconciles); anything
  // else is read from the API server, since a foreign object may lack the labels we watch by.
  const existing = cached !== undefined && uid !== undefined && controlledBy(cached, uid) ? cached : await client.get<OwnedMeta>(path);
  if (existing !== undefined && (uid === undefined || !controlledBy(existing, uid))) {
    return { problem: { reason: REASON.nameOwnedByOther, message: `${o.kind} ${o.metadata.namespace}/${o.metadata.name} exists and is ${describeOwner(existing)}; the operator leaves it alone (rename the consumer or remove that object)` } };
  }
  try {
    return { object: await client.apply<KubeObject>(path, o, FIELD_MANAGER) };
  } catch (err) {
    const replaceable = existing !== undefined && o.kind === 'Service' && KubeRequestFailed.is(err) && err.details?.status === 422 && IMMUTABLE.test(err.message);
    if (!replaceable) throw err;
    await client.request('DELETE', path, { allowNotFound: true, body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: (existing as { metadata: { uid?: string } }).metadata.uid } } });
    return { object: await client.apply<KubeObject>(path, o, FIELD_MANAGER) };
  }
}

/** What the operator reads of a Deployment to decide ConsumersReady. */
export interface DeploymentState {
  metadata: { name: string; namespace?: string; generation?: number; labels?: Record<string, string>; resourceVersion?: string };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number; availableReplicas?: number; readyReplicas?: number; updatedReplicas?: number };
}

/** One consumer's readiness, per the operator's ConsumersReady definition. */
export interface ConsumerReadiness {
  ready: boolean;
  observed: boolean;
  replicas: number;
  available: number;
  message: string;
}

/**
 * Whether a consumer Deployment is ready. `created`: the deployment controller observed the
 * current generation and created every replica's pod (they may be Pending). `available`:
 * every replica is also available.
 */
export function consumerReadiness(name: string, d: DeploymentState | undefined, mode: 'available' | 'created'): ConsumerReadiness {
  if (d === undefined) return { ready: false, observed: false, replicas: 0, available: 0, message: `Deployment ${name} not found yet` };
  const wanted = d.spec?.replicas ?? 1;
  const observed = (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 1);
  const replicas = d.status?.replicas ?? 0;
  const available = d.status?.availableReplicas ?? 0;
  if (!observed) return { ready: false, observed, replicas, available, message: `Deployment ${name}: generation ${d.metadata.generation ?? 1} not yet observed by the deployment controller` };
  const created = replicas >= wanted;
  const ready = mode === 'created' ? created : available >= wanted;
  return { ready, observed, replicas, available, message: `Deployment ${name}: ${available}/${wanted} replicas available, ${replicas} created` };
}
