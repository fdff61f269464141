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

  /**
   * One attempt to acquire or renew; true when this candidate holds the lease afterwards.
   * `signal` bounds it: an aborted attempt fails instead of waiting on a request that hangs.
   */
  async tryAcquireOrRenew(client: KubeClient, signal?: AbortSignal): Promise<boolean> {
    const now = new Date();
    const path = `${this.#path}/${encodeURIComponent(this.#o.name)}`;
    const lease = await client.request<Lease>('GET', path, { allowNotFound: true, signal });
    const spec = {
      holderIdentity: this.#o.identity,
      leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000),
      renewTime: microTime(now),
    };
    if (lease === undefined) {
      await client.request('POST', this.#path, {
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.#o.name, namespace: this.#o.namespace }, spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 } },
        signal,
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
    await client.request('PUT', path, {
      body: {
        ...lease,
        spec: { ...lease.spec, ...spec, acquireTime: holder === this.#o.identity ? lease.spec.acquireTime : microTime(now), leaseTransitions: transitions },
      },
      signal,
    });
    return true;
  }

  /** One attempt that gives up after `budgetMs` or when `signal` aborts; failures are false. */
  async #attempt(client: KubeClient, budgetMs: number, signal: AbortSignal): Promise<boolean> {
    try {
      return await this.tryAcquireOrRenew(client, AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, budgetMs))]));
    } catch (err) {
      if (!KubeConflict.is(err) && !signal.aborted) this.#o.log.warn({ err }, 'leader election attempt failed');
      return false;
    }
  }

  /**
   * Campaigns until this candidate leads, runs `onStartedLeading`, renews, and calls
   * `onStoppedLeading` when renewal fails past the deadline or {@link stop} is called.
   *
   * The renew deadline is a timer armed from the start of the last successful renewal, so it
   * fires however long a request hangs; every lease request is aborted at the deadline too.
   * Since the renew deadline is shorter than the lease duration, a leader that cannot reach the
   * API server stops before any standby can take the lease over.
   */
  async run(client: KubeClient, callbacks: { onStartedLeading: () => void; onStoppedLeading: () => void }): Promise<void> {
    const stopped = this.#abort.signal;
    let lastRenew = 0;
    while (!stopped.aborted) {
      const started = Date.now();
      if (await this.#attempt(client, this.#o.renewDeadlineMs, stopped)) {
        lastRenew = started;
        break;
      }
      await sleep(this.#o.retryPeriodMs, undefined, { signal: stopped }).catch(() => undefined);
    }
    if (stopped.aborted) return;
    this.#leader = true;
    this.#o.log.info({ identity: this.#o.identity, lease: `${this.#o.namespace}/${this.#o.name}` }, 'became leader');
    callbacks.onStartedLeading();

    const lost = new AbortController();
    const done = AbortSignal.any([stopped, lost.signal]);
    let deadline: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(deadline);
      deadline = setTimeout(() => lost.abort(), Math.max(0, lastRenew + this.#o.renewDeadlineMs - Date.now()));
    };
    arm();
    while (!done.aborted) {
      await sleep(this.#o.retryPeriodMs, undefined, { signal: done }).catch(() => undefined);
      if (done.aborted) break;
      const started = Date.now();
      if ((await this.#attempt(client, lastRenew + this.#o.renewDeadlineMs - started, done)) && !done.aborted) {
        lastRenew = started;
        arm();
      }
    }
    clearTimeout(deadline);
    if (lost.signal.aborted && !stopped.aborted) {
      this.#o.log.error({ identity: this.#o.identity, renewDeadlineMs: this.#o.renewDeadlineMs, lastRenewAt: new Date(lastRenew).toISOString() }, 'lost leadership: could not renew the lease within the renew deadline');
    }
    this.#leader = false;
    callbacks.onStoppedLeading();
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over at once. */
  async stop(client: KubeClient): Promise<void> {
    this.#abort.abort();
    if (!this.#leader) return;
    try {
      // Bounded like every lease call: a shutdown never waits on an API server that does not answer.
      const signal = AbortSignal.timeout(this.#o.renewDeadlineMs);
      const lease = await client.request<Lease>('GET', `${this.#path}/${encodeURIComponent(this.#o.name)}`, { allowNotFound: true, signal });
      if (lease?.spec.holderIdentity === this.#o.identity) {
        await client.request('PUT', `${this.#path}/${encodeURIComponent(this.#o.name)}`, {
          body: { ...lease, spec: { ...lease.spec, holderIdentity: null, renewTime: null, leaseDurationSeconds: 1 } },
          signal,
        });
      }
    } catch (err) {
      this.#o.log.warn({ err }, 'could not release the lease');
    }
  }
}
