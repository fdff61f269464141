import { API_VERSION, KIND, type OrderPipeline } from '../api/order-pipeline.ts';
import { desired, type DesiredState } from '../desired.ts';
import { deleteTopics } from '../kafka/topic-applier.ts';
import { pipelinePath } from '../kube/paths.ts';
import { CONDITION, EVENT, FIELD_MANAGER, FINALIZER, REASON } from '../names.ts';
import { brokerNameKey, describeBrokerName, type BrokerName } from '../ownership/broker-names.ts';
import { claimOwner, type Claim } from '../ownership/claim-registry.ts';
import { deleteTopology, describeHeld, type HeldQueue } from '../rabbitmq/topology-cleanup.ts';
import { mergeConditions } from './conditions.ts';
import type { ReconcilerDeps } from './reconciler.ts';
import type { HandlerResult } from './work-queue.ts';

/** How often a DeleteIfEmpty cleanup that waits for queues to drain looks again. */
const DRAIN_POLL_MS = 5_000;

/**
 * What this pipeline may delete: only names it claimed and created. A name another pipeline
 * owns, or one that existed before this pipeline claimed it, is never deleted.
 */
function deletable(want: DesiredState, claims: readonly Claim[]): { want: DesiredState; kept: string[] } {
  const created = new Set(claims.filter((c) => c.origin === 'created').map((c) => brokerNameKey(c.name)));
  const adopted = new Set(claims.filter((c) => c.origin === 'adopted').map((c) => brokerNameKey(c.name)));
  const kept: string[] = [];
  const mine = (n: BrokerName): boolean => {
    if (created.has(brokerNameKey(n))) return true;
    kept.push(`${describeBrokerName(n)} (${adopted.has(brokerNameKey(n)) ? 'existed before this pipeline' : 'not owned by this pipeline'})`);
    return false;
  };
  const rabbit = want.rabbitmq;
  const vhost = rabbit?.vhost ?? '/';
  return {
    want: {
      ...want,
      rabbitmq:
        rabbit === undefined
          ? undefined
          : {
              ...rabbit,
              exchanges: rabbit.exchanges.filter((e) => mine({ kind: 'exchange', vhost, name: e.name })),
              queues: rabbit.queues.filter((q) => mine({ kind: 'queue', vhost, name: q.name })),
            },
      kafka: { topics: want.kafka.topics.filter((t) => mine({ kind: 'topic', name: t.name })) },
    },
    kept,
  };
}

/** Writes the CleanupComplete=False condition that says which queues deletion waits for. */
async function reportWaiting(d: ReconcilerDeps, p: OrderPipeline, message: string): Promise<void> {
  const previous = (p.status?.conditions ?? []).filter((c) => c.type !== CONDITION.cleanupComplete);
  const next = [
    ...previous.map(({ type, status, reason, message: m }) => ({ type, status, reason, message: m })),
    { type: CONDITION.cleanupComplete, status: 'False' as const, reason: REASON.queuesNotEmpty, message },
  ];
  const conditions = mergeConditions(p.status?.conditions, next, p.metadata.generation, new Date());
  await d.kube.apply(
    `${pipelinePath(p.metadata.namespace, p.metadata.name)}/status`,
    { apiVersion: API_VERSION, kind: KIND, metadata: { name: p.metadata.name, namespace: p.metadata.namespace }, status: { ...p.status, conditions } },
    FIELD_MANAGER,
  );
}

/**
 * Cleans a deleted pipeline's broker objects per its deletion policy, then releases its names
 * and removes the finalizer. Kubernetes objects go with their owner (garbage collection).
 *
 * `DeleteIfEmpty` deletes the pipeline's queues as one group, only once all are empty: while
 * any holds messages the finalizer stays (so the consumers keep running and drain them), the
 * `CleanupComplete=False` condition and a Warning event name each queue and its count, and the
 * check repeats; after `CLEANUP_DRAIN_TIMEOUT_MS` the finalizer is removed and every queue kept.
 * An unreachable broker is retried with backoff until `CLEANUP_TIMEOUT_MS` after the deletion
 * request; then the finalizer is removed anyway with a warning event. A namespace is never stuck.
 */
export async function finalizePipeline(d: ReconcilerDeps, p: OrderPipeline): Promise<HandlerResult> {
  if (!(p.metadata.finalizers ?? []).includes(FINALIZER)) return undefined;
  const involved = { apiVersion: API_VERSION, kind: KIND, name: p.metadata.name, namespace: p.metadata.namespace, uid: p.metadata.uid };
  const policy = p.spec.deletionPolicy;
  const since = Date.now() - Date.parse(p.metadata.deletionTimestamp ?? new Date().toISOString());
  const owner = claimOwner(p);
  if (policy === 'Retain') {
    await d.events.record(involved, { type: 'Normal', reason: EVENT.cleanupRetained, message: 'deletionPolicy Retain: queues, exchanges and topics are kept on the brokers' });
  } else {
    try {
      const { want, kept } = deletable(desired(p), await d.claims.claimsOf(owner));
      const deleted: string[] = [];
      const retained: string[] = [...kept];
      let holding: HeldQueue[] = [];
      if (want.rabbitmq !== undefined && d.rabbit !== undefined) {
        const r = await deleteTopology(d.rabbit, want.rabbitmq, policy);
        deleted.push(...r.deleted);
        holding = r.holding;
        if (holding.length > 0 && since < d.options.cleanupDrainTimeoutMs) {
          const message = `deletionPolicy DeleteIfEmpty: waiting for the queues to drain before deleting any of them (${describeHeld(holding)})`;
          await reportWaiting(d, p, message);
          await d.events.record(involved, { type: 'Warning', reason: EVENT.cleanupWaiting, message });
          return { requeueAfterMs: Math.min(DRAIN_POLL_MS, d.options.resyncMs) };
        }
        if (holding.length > 0) retained.push(`${r.retained.join(', ')}: ${describeHeld(holding)} after waiting ${Math.round(since / 1000)} s`);
      }
      if (want.kafka.topics.length > 0 && d.kafka !== undefined) {
        const r = await d.kafka.use(async (admin) => deleteTopics(admin, want.kafka.topics, policy));
        deleted.push(...r.deleted);
        retained.push(...r.retained);
      }
      if (deleted.length > 0) await d.events.record(involved, { type: 'Normal', reason: EVENT.cleanupDeleted, message: `deleted ${deleted.join(', ')}` });
      if (retained.length > 0) await d.events.record(involved, { type: 'Warning', reason: EVENT.cleanupRetained, message: `kept ${retained.join('; ')} (deletionPolicy ${policy})` });
    } catch (err) {
      if (since < d.options.cleanupTimeoutMs) throw err;
      await d.events.record(involved, {
        type: 'Warning',
        reason: EVENT.cleanupAbandoned,
        message: `broker cleanup did not succeed within ${Math.round(d.options.cleanupTimeoutMs / 1000)} s (${err instanceof Error ? err.message : String(err)}); the finalizer is removed so deletion completes, and broker objects may remain`,
      });
    }
  }
  await d.claims.release(owner);
  await d.kube.mergePatch(pipelinePath(p.metadata.namespace, p.metadata.name), {
    metadata: { finalizers: (p.metadata.finalizers ?? []).filter((f) => f !== FINALIZER), resourceVersion: p.metadata.resourceVersion },
  });
  return undefined;
}
