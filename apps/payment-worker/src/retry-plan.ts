/** One entry of RabbitMQ's `x-death` header (added each time a message is dead-lettered). */
export interface XDeathEntry {
  queue?: unknown;
  reason?: unknown;
  count?: unknown;
  exchange?: unknown;
}

/** What to do with a message whose charge failed. */
export type FailurePlan =
  | { kind: 'retry'; /** 1-based number of this retry = delay queue number. */ retry: number }
  | { kind: 'dead'; retries: number };

const DELAY_QUEUE = /^payments\.retry\.(\d+)$/;

function toCount(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && value !== null && 'value' in value) return toCount(value.value);
  return 0;
}

/**
 * How many message-level retries a message has had, from `x-death`: the times it expired out
 * of a `payments.retry.<n>` delay queue. Parking (breaker open) is not a retry, so it is not
 * counted; a replay from the DLQ drops `x-death` and starts over.
 */
export function retriesSoFar(headers: Record<string, unknown> | undefined, delayQueue: RegExp = DELAY_QUEUE): number {
  const deaths = headers?.['x-death'];
  if (!Array.isArray(deaths)) return 0;
  let total = 0;
  for (const entry of deaths as XDeathEntry[]) {
    if (typeof entry?.queue === 'string' && delayQueue.test(entry.queue) && entry.reason === 'expired') total += toCount(entry.count);
  }
  return total;
}

/** A failed attempt is retried through the next delay queue until `maxRetries` are used up. */
export function planFailure(headers: Record<string, unknown> | undefined, maxRetries: number): FailurePlan {
  const done = retriesSoFar(headers);
  return done < maxRetries ? { kind: 'retry', retry: done + 1 } : { kind: 'dead', retries: done };
}
