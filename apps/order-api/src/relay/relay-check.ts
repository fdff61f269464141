import type { OutboxRelay } from './outbox-relay.ts';

/** Readiness check of the relay: throws with why rows are stuck while its attempts fail. */
export function relayCheck(relay: Pick<OutboxRelay, 'health'>): Promise<void> {
  const h = relay.health();
  if (h.ok) return Promise.resolve();
  const since = h.failingSince === undefined ? '' : ` since ${h.failingSince.toISOString()}`;
  return Promise.reject(new Error(`publishing fails${since} (${h.consecutiveFailures} attempts; events wait in the outbox): ${h.lastError ?? 'unknown error'}`));
}
