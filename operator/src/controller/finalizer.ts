import { API_VERSION, KIND, type OrderPipeline } from '../api/order-pipeline.ts';
import { desired } from '../desired.ts';
import { deleteTopics } from '../kafka/topic-applier.ts';
import { pipelinePath } from '../kube/paths.ts';
import { EVENT, FINALIZER } from '../names.ts';
import { deleteTopology } from '../rabbitmq/topology-applier.ts';
import type { ReconcilerDeps } from './reconciler.ts';
import type { HandlerResult } from './work-queue.ts';

/**
 * Cleans a deleted pipeline's broker objects per its deletion policy, then removes the
 * finalizer. Kubernetes objects go with their owner (garbage collection). An unreachable
 * broker is retried with backoff until CLEANUP_TIMEOUT_MS after the deletion request; then
 * the finalizer is removed anyway with a warning event, so a namespace is never stuck.
 */
export async function finalizePipeline(d: ReconcilerDeps, p: OrderPipeline): Promise<HandlerResult> {
  if (!(p.metadata.finalizers ?? []).includes(FINALIZER)) return undefined;
  const involved = { apiVersion: API_VERSION, kind: KIND, name: p.metadata.name, namespace: p.metadata.namespace, uid: p.metadata.uid };
  const policy = p.spec.deletionPolicy;
  const want = desired(p);
  if (policy === 'Retain') {
    await d.events.record(involved, { type: 'Normal', reason: EVENT.cleanupRetained, message: 'deletionPolicy Retain: queues, exchanges and topics are kept on the brokers' });
  } else {
    try {
      const deleted: string[] = [];
      const retained: string[] = [];
      if (want.rabbitmq !== undefined && d.rabbit !== undefined) {
        const r = await deleteTopology(d.rabbit, want.rabbitmq, policy);
        deleted.push(...r.deleted);
        retained.push(...r.retained);
      }
      if (want.kafka.topics.length > 0 && d.kafka !== undefined) {
        const r = await d.kafka.use(async (admin) => deleteTopics(admin, want.kafka.topics, policy));
        deleted.push(...r.deleted);
        retained.push(...r.retained);
      }
      if (deleted.length > 0) await d.events.record(involved, { type: 'Normal', reason: EVENT.cleanupDeleted, message: `deleted ${deleted.join(', ')}` });
      if (retained.length > 0) await d.events.record(involved, { type: 'Warning', reason: EVENT.cleanupRetained, message: `kept ${retained.join(', ')} (deletionPolicy ${policy}; set Delete to discard messages)` });
    } catch (err) {
      const since = Date.now() - Date.parse(p.metadata.deletionTimestamp ?? new Date().toISOString());
      if (since < d.options.cleanupTimeoutMs) throw err;
      await d.events.record(involved, {
        type: 'Warning',
        reason: EVENT.cleanupAbandoned,
        message: `broker cleanup did not succeed within ${Math.round(d.options.cleanupTimeoutMs / 1000)} s (${err instanceof Error ? err.message : String(err)}); the finalizer is removed so deletion completes, and broker objects may remain`,
      });
    }
  }
  await d.kube.mergePatch(pipelinePath(p.metadata.namespace, p.metadata.name), {
    metadata: { finalizers: (p.metadata.finalizers ?? []).filter((f) => f !== FINALIZER), resourceVersion: p.metadata.resourceVersion },
  });
  return undefined;
}
