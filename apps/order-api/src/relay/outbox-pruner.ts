import type { Logger } from 'pino';
import type { Pool } from '@orderflow/pg';

/** Options for {@link OutboxPruner}. */
export interface OutboxPrunerOptions {
  pool: Pool;
  logger: Logger;
  /** Published rows older than this are deleted. */
  retentionMs: number;
  /** How often to prune (default 60 s). */
  intervalMs?: number;
  /** Rows deleted per statement at most, so one prune never holds long locks (default 5,000). */
  chunk?: number;
  /** Kafka publishing is on: a row is kept until Kafka has it too (`kafka_published_at`). */
  requireKafka?: boolean;
}

/**
 * Deletes outbox rows that RabbitMQ confirmed more than `retentionMs` ago; unpublished rows are
 * never touched. Old rows sit at the low ids, so walking the primary key finds them without an
 * index on `published_at`.
 */
export class OutboxPruner {
  readonly #o: OutboxPrunerOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(options: OutboxPrunerOptions) {
    this.#o = options;
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      if (this.#running !== undefined) return;
      this.#running = this.pruneOnce()
        .catch((err: unknown) => this.#o.logger.warn({ err: (err as Error).message }, 'outbox prune failed; will try again'))
        .finally(() => (this.#running = undefined));
    }, this.#o.intervalMs ?? 60_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Deletes every prunable row, a chunk at a time; returns how many. */
  async pruneOnce(): Promise<number> {
    const chunk = this.#o.chunk ?? 5_000;
    let total = 0;
    for (;;) {
      const { rowCount } = await this.#o.pool.query(
        `delete from outbox where id in (
           select id from outbox
            where published_at is not null and published_at < now() - make_interval(secs => $1::double precision / 1000)
              ${this.#o.requireKafka === true ? 'and kafka_published_at is not null' : ''}
            order by id limit $2)`,
        [this.#o.retentionMs, chunk],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < chunk) return total;
    }
  }
}
