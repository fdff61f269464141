import type { Logger } from '@orderflow/logging';
import type { KubeClient } from '../kube/kube-client.ts';
import type { DecisionEvent } from '../outcome.ts';

/** The object an event is about. */
export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid: string;
}

const REPEAT_SUPPRESS_MS = 10 * 60_000;

/**
 * Records Kubernetes events for the operator's decisions. The same decision about the same
 * object is recorded once per ten minutes, so a resync that keeps refusing a partition
 * decrease does not flood the namespace. Failures are logged, never thrown: an event is
 * telemetry, not part of reconciliation.
 */
export class EventRecorder {
  readonly #client: KubeClient;
  readonly #log: Logger;
  readonly #recent = new Map<string, number>();
  readonly #component: string;
  readonly #instance: string;

  /** `instance` (the replica's identity) is written as the events' reportingInstance. */
  constructor(client: KubeClient, log: Logger, instance: string, component = 'orderflow-operator') {
    this.#client = client;
    this.#log = log;
    this.#instance = instance;
    this.#component = component;
  }

  async record(object: InvolvedObject, event: DecisionEvent): Promise<void> {
    const key = `${object.uid}|${event.reason}|${event.message}`;
    const now = Date.now();
    const last = this.#recent.get(key);
    if (last !== undefined && now - last < REPEAT_SUPPRESS_MS) return;
    this.#recent.set(key, now);
    if (this.#recent.size > 10_000) {
      for (const [k, t] of this.#recent) if (now - t > REPEAT_SUPPRESS_MS) this.#recent.delete(k);
    }
    const time = new Date(now).toISOString();
    try {
      await this.#client.request('POST', `/api/v1/namespaces/${encodeURIComponent(object.namespace)}/events`, {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { generateName: `${object.name}.`, namespace: object.namespace },
          involvedObject: object,
          reason: event.reason,
          message: event.message.slice(0, 1024),
          type: event.type,
          source: { component: this.#component, host: this.#instance },
          reportingComponent: this.#component,
          reportingInstance: this.#instance,
          firstTimestamp: time,
          lastTimestamp: time,
          count: 1,
        },
      });
    } catch (err) {
      this.#log.warn({ err, reason: event.reason }, 'could not record event');
    }
  }
}
