import type { DesiredState, QueueDecl } from '../desired.ts';
import { EVENT, REASON } from '../names.ts';
import { emptyOutcome, type ApplyOutcome } from '../outcome.ts';
import type { ManagementClient, QueueInfo } from './management-client.ts';

/** Queue depth reported in the pipeline's status. */
export interface QueueDepth {
  name: string;
  messages: number;
  messagesReady: number;
  messagesUnacknowledged: number;
  consumers: number;
}

/** Result of applying a pipeline's RabbitMQ topology. */
export interface TopologyResult extends ApplyOutcome {
  queues: QueueDepth[];
}

function sameValue(a: unknown, b: unknown): boolean {
  return String(a) === String(b);
}

/** Arguments of an existing queue that differ from the declaration (RabbitMQ cannot change them in place). */
export function queueArgumentDrift(want: QueueDecl, have: QueueInfo): string[] {
  const diffs: string[] = [];
  if (want.durable !== have.durable) diffs.push(`durable: ${String(have.durable)} → ${String(want.durable)}`);
  const keys = new Set([...Object.keys(want.arguments), ...Object.keys(have.arguments)]);
  for (const key of [...keys].sort()) {
    const w = want.arguments[key];
    const h = have.arguments[key];
    // A classic queue declared without x-queue-type reports none: that is the same queue.
    if (key === 'x-queue-type' && h === undefined && w === 'classic') continue;
    if (w === undefined || h === undefined || !sameValue(w, h)) diffs.push(`${key}: ${h === undefined ? '(unset)' : JSON.stringify(h)} → ${w === undefined ? '(unset)' : JSON.stringify(w)}`);
  }
  return diffs;
}

/**
 * Makes RabbitMQ match the desired topology: creates what is missing (also what was deleted
 * by hand), never redeclares a queue with different arguments (RabbitMQ would refuse) but
 * reports it, and reads queue depths for the status.
 */
export async function applyTopology(client: ManagementClient, want: NonNullable<DesiredState['rabbitmq']>, opts: { firstApply: boolean }): Promise<TopologyResult> {
  const out: TopologyResult = { ...emptyOutcome(), queues: [] };
  const created = (reason: string, what: string): void => {
    out.events.push(
      opts.firstApply
        ? { type: 'Normal', reason, message: `created ${what}` }
        : { type: 'Warning', reason: EVENT.driftRepaired, message: `recreated ${what}, which was missing on the broker` },
    );
  };
  const vhost = want.vhost;
  await client.ensureVhost(vhost);

  // Independent declarations go out together (RabbitMQ answers each in tens of ms); results
  // are collected in spec order so events and problems read the same every time.
  const exchanges = await Promise.all(
    want.exchanges.map(async (e) => {
      const have = await client.getExchange(vhost, e.name);
      if (have === undefined) await client.putExchange(vhost, e);
      return { e, have };
    }),
  );
  for (const { e, have } of exchanges) {
    if (have === undefined) created(EVENT.exchangeCreated, `exchange ${e.name} (${e.type})`);
    else if (have.type !== e.type || have.durable !== e.durable) {
      out.problems.push({ reason: REASON.immutableQueueArguments, message: `exchange ${e.name} is ${have.type}${have.durable ? ', durable' : ''} on the broker; RabbitMQ cannot change it to ${e.type}${e.durable ? ', durable' : ''} in place (delete it to let the operator recreate it)` });
    }
  }

  const queues = await Promise.all(
    want.queues.map(async (q) => {
      const have = await client.getQueue(vhost, q.name);
      if (have === undefined) await client.putQueue(vhost, q.name, q.durable, q.arguments);
      return { q, have };
    }),
  );
  for (const { q, have } of queues) {
    if (have === undefined) {
      created(EVENT.queueCreated, `queue ${q.name}${q.role === 'main' ? '' : ` (${q.role})`}`);
    } else {
      const drift = queueArgumentDrift(q, have);
      if (drift.length > 0) {
        const message = `queue ${q.name}: RabbitMQ cannot change ${drift.join(', ')} in place; the queue keeps its current arguments (delete and let the operator recreate it, or use a policy)`;
        out.problems.push({ reason: REASON.immutableQueueArguments, message });
        out.events.push({ type: 'Warning', reason: EVENT.immutableQueueArguments, message });
      }
    }
    const depth = have ?? { messages: 0, messagesReady: 0, messagesUnacknowledged: 0, consumers: 0 };
    out.queues.push({ name: q.name, messages: depth.messages, messagesReady: depth.messagesReady, messagesUnacknowledged: depth.messagesUnacknowledged, consumers: depth.consumers });
  }

  const bindings = await Promise.all(
    want.bindings.map(async (b) => {
      const existing = await client.getBindings(vhost, b.exchange, b.queue);
      const present = existing.some((x) => x.routingKey === b.routingKey && sameArgs(x.arguments, b.arguments));
      if (!present) await client.postBinding(vhost, b.exchange, b.queue, b.routingKey, b.arguments);
      return { b, present };
    }),
  );
  for (const { b, present } of bindings) {
    if (!present) created(EVENT.bindingCreated, `binding ${b.exchange} → ${b.queue} (${b.routingKey === '' ? 'no routing key' : b.routingKey})`);
  }
  return out;
}

function sameArgs(a: Record<string, unknown>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue(a[k], b[k]));
}
