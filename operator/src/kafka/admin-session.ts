import kafkajs from 'kafkajs';
import { fixKafkajsRequestQueueTimer } from './request-queue-fix.ts';

/** Options for {@link KafkaAdminSession}. */
export interface KafkaAdminSessionOptions {
  brokers: string[];
  clientId: string;
}

function staleTopicMetadata(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION' || /does not host this topic-partition/.test(e.message)) return true;
  }
  return false;
}

/**
 * One Kafka admin connection for the operator (built once, like every downstream client).
 * kafkajs keeps refreshing metadata for every topic it ever touched; after a topic is
 * deleted behind its back (by hand, or by another pipeline) every later call fails with
 * UNKNOWN_TOPIC_OR_PARTITION. On that error the session replaces the client, so the next
 * reconcile starts clean; the error itself still goes to the caller, which retries.
 */
export class KafkaAdminSession {
  readonly #kafka: kafkajs.Kafka;
  #admin: Promise<kafkajs.Admin> | undefined;

  constructor(options: KafkaAdminSessionOptions) {
    fixKafkajsRequestQueueTimer();
    this.#kafka = new kafkajs.Kafka({ clientId: options.clientId, brokers: options.brokers, logLevel: kafkajs.logLevel.NOTHING });
  }

  async #get(): Promise<kafkajs.Admin> {
    this.#admin ??= (async () => {
      const admin = this.#kafka.admin();
      await admin.connect();
      return admin;
    })();
    try {
      return await this.#admin;
    } catch (err) {
      this.#admin = undefined;
      throw err;
    }
  }

  /** Runs `fn` with the admin client; a stale-metadata failure replaces the client. */
  async use<T>(fn: (admin: kafkajs.Admin) => Promise<T>): Promise<T> {
    const admin = await this.#get();
    try {
      return await fn(admin);
    } catch (err) {
      if (staleTopicMetadata(err)) await this.reset();
      throw err;
    }
  }

  async reset(): Promise<void> {
    const old = this.#admin;
    this.#admin = undefined;
    await old?.then(async (a) => a.disconnect()).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.reset();
  }
}
