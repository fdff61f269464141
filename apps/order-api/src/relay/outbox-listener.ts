import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from 'pino';
import { OUTBOX_NOTIFY_CHANNEL } from '@orderflow/order-status';

/**
 * LISTENs for `orderflow_outbox` notifications (sent at commit by writers in other processes,
 * e.g. payment-worker's status changes) and calls `onNotify`. Reconnects after a lost
 * connection; the relay's poll covers the gap.
 */
export class OutboxListener {
  readonly #url: string;
  readonly #logger: Logger;
  readonly #onNotify: () => void;
  #client: pg.Client | undefined;
  #stopped = false;

  constructor(databaseUrl: string, logger: Logger, onNotify: () => void) {
    this.#url = databaseUrl;
    this.#logger = logger;
    this.#onNotify = onNotify;
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url, application_name: 'order-api-outbox-listener' });
    client.on('notification', () => this.#onNotify());
    client.on('error', (err) => {
      this.#logger.warn({ err: err.message }, 'outbox LISTEN connection lost; reconnecting');
      this.#client = undefined;
      void client.end().catch(() => undefined);
      void this.#reconnect();
    });
    await client.connect();
    await client.query(`listen ${OUTBOX_NOTIFY_CHANNEL}`);
    this.#client = client;
  }

  async #reconnect(): Promise<void> {
    for (let attempt = 1; !this.#stopped; attempt++) {
      await sleep(Math.min(5_000, 100 * 2 ** attempt));
      if (this.#stopped) return;
      try {
        await this.start();
        this.#onNotify(); // catch up on anything missed while disconnected
        return;
      } catch {
        // Try again after the next delay.
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const c = this.#client;
    this.#client = undefined;
    await c?.end().catch(() => undefined);
  }
}
