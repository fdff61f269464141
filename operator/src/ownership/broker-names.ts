import { createHash } from 'node:crypto';
import type { DesiredState } from '../desired.ts';

/** A name on a broker that one pipeline owns: a RabbitMQ exchange or queue (per vhost), or a Kafka topic. */
export interface BrokerName {
  kind: 'exchange' | 'queue' | 'topic';
  /** RabbitMQ only. */
  vhost?: string;
  name: string;
}

/** Every broker name a pipeline's desired state declares. Vhosts are shared, never owned. */
export function brokerNames(want: DesiredState): BrokerName[] {
  const out: BrokerName[] = [];
  const rabbit = want.rabbitmq;
  if (rabbit !== undefined) {
    for (const e of rabbit.exchanges) out.push({ kind: 'exchange', vhost: rabbit.vhost, name: e.name });
    for (const q of rabbit.queues) out.push({ kind: 'queue', vhost: rabbit.vhost, name: q.name });
  }
  for (const t of want.kafka.topics) out.push({ kind: 'topic', name: t.name });
  return out;
}

/** A stable text key of a name: `queue/<vhost>/<name>`, `topic/<name>`. */
export function brokerNameKey(n: BrokerName): string {
  return n.kind === 'topic' ? `topic/${n.name}` : `${n.kind}/${n.vhost ?? '/'}/${n.name}`;
}

/** How a name reads in a condition or event: `queue payments (vhost shop)`. */
export function describeBrokerName(n: BrokerName): string {
  return n.kind === 'topic' ? `topic ${n.name}` : `${n.kind} ${n.name} (vhost ${n.vhost ?? '/'})`;
}

/**
 * The Kubernetes object name of a name's claim: a hash, because broker names allow characters
 * and lengths that object names do not.
 */
export function claimObjectName(n: BrokerName): string {
  return `orderflow-claim-${createHash('sha256').update(brokerNameKey(n)).digest('hex').slice(0, 40)}`;
}
