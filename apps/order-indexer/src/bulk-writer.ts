import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@opensearch-project/opensearch';
import type { BulkAction } from './documents.ts';

/** What became of one bulk action. */
export type ActionOutcome = { kind: 'ok' } | { kind: 'duplicate' } | { kind: 'rejected'; type: string; reason: string };

/** Hooks the writer reports through (metrics, logs, readiness). */
export interface BulkWriterEvents {
  /** A bulk request (or some of its items) must be retried: OpenSearch is down, slow or full. */
  onRetry(why: string, attempt: number): void;
  /** A request went through after retries: the back-pressure is over. */
  onRecovered(): void;
  onRequest(outcome: 'ok' | 'partial_retry' | 'failed', seconds: number): void;
}

interface BulkItemResult {
  status: number;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
}

/**
 * Classifies one item of a bulk response. 409 on `create` is a document that exists already
 * (the same event id, so a replay): a success. 429 and 5xx are OpenSearch being unable right
 * now: retried. A 409 on an update (concurrent writers beyond retry_on_conflict) is retried
 * too. Any other 4xx is the document itself (mapping violation, bad value): rejected for good.
 */
export function classifyItem(op: string, item: BulkItemResult): ActionOutcome | 'retry' {
  if (item.status >= 200 && item.status < 300) return { kind: 'ok' };
  if (item.status === 409 && op === 'create') return { kind: 'duplicate' };
  if (item.status === 409 || item.status === 429 || item.status >= 500) return 'retry';
  const cause = item.error?.caused_by;
  const type = item.error?.type ?? `http_${item.status}`;
  const reason = [item.error?.reason, cause && `${cause.type ?? ''}: ${cause.reason ?? ''}`].filter(Boolean).join('; ');
  return { kind: 'rejected', type, reason: reason || `status ${item.status}` };
}

/**
 * Writes bulk actions until every one has a final outcome: succeeded, duplicate or rejected.
 * Whatever OpenSearch could not take now (down, timeout, 429, 5xx) is sent again after a
 * growing pause, without end until `signal` aborts: the caller reads no further records
 * meanwhile, which is the back-pressure (the consumer pauses, the lag grows).
 */
export class BulkWriter {
  readonly #client: Client;
  readonly #retryMaxMs: number;
  readonly #events: BulkWriterEvents;

  constructor(client: Client, options: { retryMaxMs: number; events: BulkWriterEvents }) {
    this.#client = client;
    this.#retryMaxMs = options.retryMaxMs;
    this.#events = options.events;
  }

  /** One outcome per action, in order. Throws only when `signal` aborts (stop during an outage). */
  async write(actions: readonly BulkAction[], signal: AbortSignal): Promise<ActionOutcome[]> {
    const outcomes: (ActionOutcome | undefined)[] = actions.map(() => undefined);
    let pending = actions.map((_, i) => i);
    let attempt = 0;
    while (pending.length > 0) {
      signal.throwIfAborted();
      const started = process.hrtime.bigint();
      const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
      let retry: number[] = [];
      let why = '';
      try {
        const body = pending.flatMap((i) => [actions[i]!.action, actions[i]!.body]);
        const response = await this.#client.bulk({ body });
        const items = (response.body as { items: Array<Record<string, BulkItemResult>> }).items;
        pending.forEach((actionIndex, n) => {
          const entry = items[n];
          const op = entry === undefined ? 'unknown' : Object.keys(entry)[0]!;
          const outcome = entry === undefined ? 'retry' : classifyItem(op, entry[op]!);
          if (outcome === 'retry') {
            retry.push(actionIndex);
            why = `item status ${entry === undefined ? 'missing' : entry[op]!.status}`;
          } else outcomes[actionIndex] = outcome;
        });
        this.#events.onRequest(retry.length > 0 ? 'partial_retry' : 'ok', seconds());
      } catch (err) {
        // No answer, or an answer for the whole request (503, 429): all of it again.
        retry = pending;
        why = (err as Error).message;
        this.#events.onRequest('failed', seconds());
      }
      if (retry.length > 0) {
        attempt += 1;
        this.#events.onRetry(why, attempt);
        await sleep(Math.min(this.#retryMaxMs, 100 * 2 ** Math.min(attempt, 10)), undefined, { signal });
      } else if (attempt > 0) {
        this.#events.onRecovered();
      }
      pending = retry;
    }
    return outcomes as ActionOutcome[];
  }
}
