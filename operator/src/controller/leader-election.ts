import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@orderflow/logging';
import { KubeConflict } from '../errors.ts';
import type { KubeClient } from '../kube/kube-client.ts';

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string | null; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string | null; leaseTransitions?: number };
}

/** Options for {@link LeaderElector}. */
export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  /** How long a lease holds without renewal (default 15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up leadership (default 10 s). */
  renewDeadlineMs?: number;
  /** Pause between attempts (default 2 s). */
  retryPeriodMs?: number;
  log: Logger;
}

/** Lease timestamps are MicroTime: RFC 3339 with microseconds. */
function microTime(d: Date): string {
  return d.toISOString().replace('Z', '000Z');
}

/**
 * Lease-based leader election (client-go's leaderelection). A candidate takes the Lease when
 * it is free or its holder has not renewed within the lease duration, measured on this
 * process's clock from when it last saw the lease change (so clock skew between replicas does
 * not matter). Writes carry the resourceVersion; a 409 means another candidate won the race.
 */
export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectionOptions, 'log'>> & { log: Logger };
  readonly #abort = new AbortController();
  #observed: { record: string; at: number } | undefined;
  #leader = false;

  constructor(options: LeaderElectionOptions) {
    this.#o = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...options };
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  get #path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.#o.namespace)}/leases`;
  }

  /** One attempt to acquire or renew; true when this candidate holds the lease afterwards. */
  async tryAcquireOrRenew(client: KubeClient): Promise<boolean> {
    const now = new Date();
    const lease = await client.get<Lease>(`${this.#path}/${encodeURIComponent(this.#o.name)}`);
    const spec = {
      holderIdentity: this.#o.identity,
      leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000),
      renewTime: microTime(now),
    };
    if (lease === undefined) {
      await client.request('POST', this.#path, {
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.#o.name, namespace: this.#o.namespace }, spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 } },
      });
      return true;
    }
    const record = `${lease.spec.holderIdentity ?? ''}|${lease.spec.renewTime ?? ''}`;
    if (this.#observed?.record !== record) this.#observed = { record, at: Date.now() };
    const holder = lease.spec.holderIdentity ?? '';
    const heldByOther = holder !== '' && holder !== this.#o.identity;
    const durationMs = (lease.spec.leaseDurationSeconds ?? 15) * 1000;
    if (heldByOther && Date.now() - this.#observed.at < durationMs) return false;
    const transitions = (lease.spec.leaseTransitions ?? 0) + (holder === this.#o.identity ? 0 : 1);
    await client.request('PUT', `${this.#path}/${encodeURIComponent(this.#o.name)}`, {
      body: {
        ...lease,
        spec: { ...lease.spec, ...spec, acquireTime: holder === this.#o.identity ? lease.spec.acquireTime : microTime(now), leaseTransitions: transitions },
      },
    });
    return true;
  }

  /**
   * Campaigns until this candidate leads, runs `onStartedLeading`, renews, and calls
   * `onStoppedLeading` when renewal fails past the deadline or {@link stop} is called.
   */
  async run(client: KubeClient, callbacks: { onStartedLeading: () => void; onStoppedLeading: () => void }): Promise<void> {
    const signal = this.#abort.signal;
    const attempt = async (): Promise<boolean> => {
      try {
        return await this.tryAcquireOrRenew(client);
      } catch (err) {
        if (!KubeConflict.is(err)) this.#o.log.warn({ err }, 'leader election attempt failed');
        return false;
      }
    };
    while (!signal.aborted) {
      if (await attempt()) break;
      await sleep(this.#o.retryPeriodMs, undefined, { signal }).catch(() => undefined);
    }
    if (signal.aborted) return;
    this.#leader = true;
    this.#o.log.info({ identity: this.#o.identity, lease: `${this.#o.namespace}/${this.#o.name}` }, 'became leader');
    callbacks.onStartedLeading();
    let lastRenew = Date.now();
    while (!signal.aborted) {
      await sleep(this.#o.retryPeriodMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) break;
      if (await attempt()) lastRenew = Date.now();
      else if (Date.now() - lastRenew > this.#o.renewDeadlineMs) {
        this.#o.log.error({ identity: this.#o.identity }, 'lost leadership: could not renew the lease in time');
        break;
      }
    }
    this.#leader = false;
    callbacks.onStoppedLeading();
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over at once. */
  async stop(client: KubeClient): Promise<void> {
    this.#abort.abort();
    if (!this.#leader) return;
    try {
      const lease = await client.get<Lease>(`${this.#path}/${encodeURIComponent(this.#o.name)}`);
      if (lease?.spec.holderIdentity === this.#o.identity) {
        await client.request('PUT', `${this.#path}/${encodeURIComponent(this.#o.name)}`, {
          body: { ...lease, spec: { ...lease.spec, holderIdentity: null, renewTime: null, leaseDurationSeconds: 1 } },
        });
      }
    } catch (err) {
      this.#o.log.warn({ err }, 'could not release the lease');
    }
  }
}
