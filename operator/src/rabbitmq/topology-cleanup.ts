import type { DesiredState, QueueDecl } from '../desired.ts';
import type { ManagementClient } from './management-client.ts';

/** A queue that keeps a `DeleteIfEmpty` cleanup waiting, and how many messages it held. */
export interface HeldQueue {
  name: string;
  messages: number;
}

/** What cleanup did with each broker object. */
export interface CleanupResult {
  deleted: string[];
  retained: string[];
  /** `DeleteIfEmpty`: the queues that held messages. When any did, nothing was deleted. */
  holding: HeldQueue[];
}

type RabbitTopology = NonNullable<DesiredState['rabbitmq']>;

// Delay queues dead-letter into their work queue and the work queue into its DLQ. Deleting the
// feeders first means that a refusal part-way leaves in place every queue a message could still
// be dead-lettered into.
const DELETE_ORDER: Record<QueueDecl['role'], number> = { retry: 0, 'dead-letter': 1, main: 2 };

/** "payments.retry.1 holds 1 message, payments.dlq holds 3 messages". */
export function describeHeld(held: readonly HeldQueue[]): string {
  return held.map((q) => `${q.name} holds ${q.messages} message${q.messages === 1 ? '' : 's'}`).join(', ');
}

async function queuesHoldingMessages(client: ManagementClient, want: RabbitTopology): Promise<HeldQueue[]> {
  const seen = await Promise.all(want.queues.map(async (q) => ({ name: q.name, messages: (await client.getQueue(want.vhost, q.name))?.messages ?? 0 })));
  return seen.filter((q) => q.messages > 0);
}

function retainAll(want: RabbitTopology, holding: HeldQueue[]): CleanupResult {
  return {
    deleted: [],
    retained: [...want.queues.map((q) => `queue ${q.name}`), ...want.exchanges.map((e) => `exchange ${e.name}`)],
    holding,
  };
}

/** Deletes one queue only if it is empty: atomically for classic queues, by its count for quorum ones. */
async function deleteQueueIfEmpty(client: ManagementClient, vhost: string, q: QueueDecl): Promise<boolean> {
  if (q.arguments['x-queue-type'] !== 'quorum') return client.deleteQueue(vhost, q.name, { ifEmpty: true });
  // Quorum queues refuse if-empty deletion; their message count (refreshed on the management
  // stats interval) decides instead.
  const have = await client.getQueue(vhost, q.name);
  if (have === undefined) return true;
  return have.messages === 0 && client.deleteQueue(vhost, q.name);
}

/**
 * Deletes a pipeline's RabbitMQ topology per its deletion policy. `Delete` removes every queue
 * and exchange. `DeleteIfEmpty` treats the pipeline's queues (work queues, their delay queues
 * and dead-letter queues) as one group: they are deleted only when every one of them is empty,
 * because a message waiting in a delay queue is dead-lettered back into its work queue when its
 * TTL ends, and would vanish if that queue were gone. When any holds messages, nothing is
 * deleted and `holding` says which and how many; when a message arrives between the check and
 * the deletion (RabbitMQ refuses the if-empty delete), the queues this pass had already deleted
 * are declared again so the group stays whole.
 */
export async function deleteTopology(client: ManagementClient, want: RabbitTopology, policy: 'Delete' | 'DeleteIfEmpty'): Promise<CleanupResult> {
  const vhost = want.vhost;
  if (policy === 'DeleteIfEmpty') {
    const holding = await queuesHoldingMessages(client, want);
    if (holding.length > 0) return retainAll(want, holding);
  }
  const ordered = [...want.queues].sort((a, b) => DELETE_ORDER[a.role] - DELETE_ORDER[b.role]);
  const done: QueueDecl[] = [];
  for (const q of ordered) {
    const ok = policy === 'Delete' ? await client.deleteQueue(vhost, q.name) : await deleteQueueIfEmpty(client, vhost, q);
    if (!ok) {
      await Promise.all(done.map(async (d) => client.putQueue(vhost, d.name, d.durable, d.arguments)));
      // The management API's count may not show the message yet; it held at least one.
      const messages = Math.max(1, (await client.getQueue(vhost, q.name))?.messages ?? 0);
      return retainAll(want, [{ name: q.name, messages }]);
    }
    done.push(q);
  }
  const deleted = want.queues.map((q) => `queue ${q.name}`);
  for (const e of want.exchanges) {
    await client.deleteExchange(vhost, e.name);
    deleted.push(`exchange ${e.name}`);
  }
  return { deleted, retained: [], holding: [] };
}
