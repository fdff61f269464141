import { QUEUES } from '@orderflow/messaging';
import { PAYMENT_HEADERS } from './headers.ts';

/** Queues whose messages dead-letter back into `payments` (delay and parking queues). */
const RETURNS_TO_PAYMENTS = /^payments\.(retry\.\d+|parked)$/;

function queueOfDeath(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null || !('queue' in entry)) return undefined;
  return typeof entry.queue === 'string' ? entry.queue : undefined;
}

/**
 * The queue a dead letter came from, where a replay must put it back (and nowhere else):
 * the worker names it in `x-orderflow-source-queue` when it dead-letters; a message the broker
 * dead-lettered names it in its newest `x-death` entry (or `x-first-death-queue`). A delay or
 * parking queue is not a source: its messages return to `payments`. Undefined when the message
 * says nothing about where it came from.
 */
export function sourceQueueOf(headers: Record<string, unknown> | undefined): string | undefined {
  const named = headers?.[PAYMENT_HEADERS.sourceQueue];
  if (typeof named === 'string' && named !== '') return named;
  const deaths = headers?.['x-death'];
  const first = headers?.['x-first-death-queue'];
  const queue = (Array.isArray(deaths) ? queueOfDeath(deaths[0]) : undefined) ?? (typeof first === 'string' ? first : undefined);
  if (queue === undefined || queue === '') return undefined;
  return RETURNS_TO_PAYMENTS.test(queue) ? QUEUES.payments : queue;
}
