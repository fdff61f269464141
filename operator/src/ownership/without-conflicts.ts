import type { OrderPipeline } from '../api/order-pipeline.ts';
import { deadLetterQueueName, retryQueueName, type DesiredState } from '../desired.ts';
import { LABELS } from '../names.ts';
import { brokerNameKey, type BrokerName } from './broker-names.ts';

/**
 * The desired state minus everything that would touch a name another pipeline owns: a
 * conflicting exchange; a queue together with its delay and dead-letter queues and bindings
 * when any of them conflicts; a conflicting topic; and the consumers (workloads and
 * autoscalers) that would read from a dropped queue or topic, since they would take the other
 * pipeline's messages. Pure.
 */
export function withoutConflicts(p: OrderPipeline, want: DesiredState, conflicts: readonly BrokerName[]): DesiredState {
  if (conflicts.length === 0) return want;
  const taken = new Set(conflicts.map(brokerNameKey));
  const vhost = want.rabbitmq?.vhost ?? '/';
  const isTaken = (kind: BrokerName['kind'], name: string): boolean => taken.has(brokerNameKey({ kind, vhost, name }));

  const droppedQueues = new Set<string>();
  for (const q of p.spec.rabbitmq?.queues ?? []) {
    const family = [q.name, deadLetterQueueName(q.name), ...Array.from({ length: q.retry?.maxAttempts ?? 0 }, (_, i) => retryQueueName(q.name, i + 1))];
    if (family.some((n) => isTaken('queue', n))) for (const n of family) droppedQueues.add(n);
  }
  const droppedTopics = new Set(want.kafka.topics.filter((t) => isTaken('topic', t.name)).map((t) => t.name));
  const droppedConsumers = new Set(
    p.spec.consumers.filter((c) => (c.source.queue !== undefined && droppedQueues.has(c.source.queue)) || (c.source.topic !== undefined && droppedTopics.has(c.source.topic))).map((c) => c.name),
  );
  const keepObject = (o: DesiredState['workloads'][number]): boolean => !droppedConsumers.has(o.metadata.labels?.[LABELS.consumer] ?? '');

  return {
    rabbitmq:
      want.rabbitmq === undefined
        ? undefined
        : {
            vhost,
            exchanges: want.rabbitmq.exchanges.filter((e) => !isTaken('exchange', e.name)),
            queues: want.rabbitmq.queues.filter((q) => !droppedQueues.has(q.name)),
            bindings: want.rabbitmq.bindings.filter((b) => !droppedQueues.has(b.queue)),
          },
    kafka: { topics: want.kafka.topics.filter((t) => !droppedTopics.has(t.name)) },
    workloads: want.workloads.filter(keepObject),
    autoscalers: want.autoscalers.filter(keepObject),
  };
}
