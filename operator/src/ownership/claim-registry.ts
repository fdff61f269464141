import type { Logger } from '@orderflow/logging';
import type { OrderPipeline } from '../api/order-pipeline.ts';
import { KubeConflict } from '../errors.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { objectPath, pipelinePath } from '../kube/paths.ts';
import { brokerNameKey, claimObjectName, type BrokerName } from './broker-names.ts';

/** The pipeline a claim belongs to. */
export interface ClaimOwner {
  namespace: string;
  name: string;
  uid: string;
}

/**
 * One owned broker name. `origin` says whether the name existed on the broker when the pipeline
 * claimed it: an `adopted` object is used but never deleted by the pipeline's cleanup (a person
 * or an older operator made it).
 */
export interface Claim {
  name: BrokerName;
  owner: ClaimOwner;
  origin: 'created' | 'adopted';
}

/** A name another pipeline owns. */
export interface ClaimConflict {
  name: BrokerName;
  owner: ClaimOwner;
}

/** Label that lists a pipeline's claims. */
export const CLAIM_OWNER_LABEL = 'orderflow.dev/claim-owner-uid';

interface ClaimConfigMap {
  metadata: { name: string; uid?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

function toConfigMap(namespace: string, claim: Claim): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: claimObjectName(claim.name),
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'orderflow-operator', 'app.kubernetes.io/part-of': 'orderflow', [CLAIM_OWNER_LABEL]: claim.owner.uid },
    },
    data: {
      kind: claim.name.kind,
      ...(claim.name.vhost === undefined ? {} : { vhost: claim.name.vhost }),
      name: claim.name.name,
      ownerNamespace: claim.owner.namespace,
      ownerName: claim.owner.name,
      ownerUid: claim.owner.uid,
      origin: claim.origin,
    },
  };
}

function fromConfigMap(cm: ClaimConfigMap): Claim | undefined {
  const d = cm.data;
  if (d?.kind === undefined || d.name === undefined || d.ownerUid === undefined) return undefined;
  const kind = d.kind as BrokerName['kind'];
  return {
    name: { kind, ...(d.vhost === undefined ? {} : { vhost: d.vhost }), name: d.name },
    owner: { namespace: d.ownerNamespace ?? '', name: d.ownerName ?? '', uid: d.ownerUid },
    origin: d.origin === 'adopted' ? 'adopted' : 'created',
  };
}

/** The owner of a pipeline's claims. */
export function claimOwner(p: OrderPipeline): ClaimOwner {
  return { namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid };
}

/**
 * Who owns which broker name, recorded as one ConfigMap per name in one namespace (the
 * operator's). RabbitMQ arguments are immutable and Kafka refuses unknown topic configs, so the
 * brokers cannot carry an owner marker; the API server's create is atomic, so two pipelines
 * (in any namespaces, reconciled by any replica) cannot both win a name. A claim whose owner
 * pipeline no longer exists (its finalizer removed by hand) is taken over.
 */
export class ClaimRegistry {
  readonly #kube: KubeClient;
  readonly #namespace: string;
  readonly #log: Logger;
  /** Names known to be claimed by a pipeline uid, so steady reconciles send no requests. */
  readonly #mine = new Map<string, string>();

  constructor(kube: KubeClient, namespace: string, log: Logger) {
    this.#kube = kube;
    this.#namespace = namespace;
    this.#log = log;
  }

  #path(objectName?: string): string {
    return objectPath('v1', 'ConfigMap', this.#namespace, objectName);
  }

  /**
   * Claims `names` for `owner`. Names already claimed by another live pipeline come back as
   * conflicts. `existing` tells which of the names not yet claimed exist on the brokers (they
   * are adopted, not created); it is called only when there are such names.
   */
  async claim(owner: ClaimOwner, names: readonly BrokerName[], existing: (names: BrokerName[]) => Promise<Set<string>>): Promise<ClaimConflict[]> {
    const unknown = names.filter((n) => this.#mine.get(claimObjectName(n)) !== owner.uid);
    if (unknown.length === 0) return [];
    const present = await existing(unknown);
    const conflicts: ClaimConflict[] = [];
    await Promise.all(
      unknown.map(async (name) => {
        const other = await this.#claimOne({ name, owner, origin: present.has(brokerNameKey(name)) ? 'adopted' : 'created' });
        if (other !== undefined) conflicts.push({ name, owner: other });
      }),
    );
    // Spec order, so conditions read the same on every reconcile.
    return names.flatMap((n) => conflicts.filter((c) => c.name === n));
  }

  /** Returns the other owner when the name is taken, undefined when it is now ours. */
  async #claimOne(claim: Claim, takeover = true): Promise<ClaimOwner | undefined> {
    const id = claimObjectName(claim.name);
    try {
      await this.#kube.request('POST', this.#path(), { body: toConfigMap(this.#namespace, claim) });
      this.#mine.set(id, claim.owner.uid);
      return undefined;
    } catch (err) {
      if (!KubeConflict.is(err)) throw err;
    }
    const cm = await this.#kube.get<ClaimConfigMap>(this.#path(id));
    if (cm === undefined) return takeover ? this.#claimOne(claim, false) : claim.owner;
    const held = fromConfigMap(cm);
    if (held?.owner.uid === claim.owner.uid) {
      this.#mine.set(id, claim.owner.uid);
      return undefined;
    }
    if (held !== undefined && takeover && !(await this.#alive(held.owner))) {
      this.#log.warn({ name: claim.name, staleOwner: held.owner, newOwner: claim.owner }, 'taking over the claim of a pipeline that no longer exists');
      await this.#kube.request('DELETE', this.#path(id), { allowNotFound: true, body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: cm.metadata.uid, resourceVersion: cm.metadata.resourceVersion } } });
      // The new claim keeps the old one's origin: if the stale owner created the object, the
      // new owner inherits it as created; otherwise it stays adopted.
      return this.#claimOne({ ...claim, origin: held.origin === 'adopted' ? 'adopted' : claim.origin }, false);
    }
    return held?.owner ?? { namespace: '', name: `(unreadable claim ${id})`, uid: '' };
  }

  async #alive(owner: ClaimOwner): Promise<boolean> {
    const p = await this.#kube.get<OrderPipeline>(pipelinePath(owner.namespace, owner.name));
    return p !== undefined && p.metadata.uid === owner.uid;
  }

  /** Every claim a pipeline holds. */
  async claimsOf(owner: ClaimOwner): Promise<Claim[]> {
    const list = await this.#kube.get<{ items: ClaimConfigMap[] }>(this.#path(), { labelSelector: `${CLAIM_OWNER_LABEL}=${owner.uid}` });
    return (list?.items ?? []).map(fromConfigMap).filter((c): c is Claim => c !== undefined && c.owner.uid === owner.uid);
  }

  /** Releases every claim of a deleted pipeline, so its names are free again. */
  async release(owner: ClaimOwner): Promise<void> {
    for (const c of await this.claimsOf(owner)) {
      const id = claimObjectName(c.name);
      await this.#kube.request('DELETE', this.#path(id), { allowNotFound: true });
      this.#mine.delete(id);
    }
  }
}
