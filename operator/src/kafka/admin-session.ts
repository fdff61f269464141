import { Admin } from '@platformatic/kafka';

/** Options for {@link KafkaAdminSession}. */
export interface KafkaAdminSessionOptions {
  brokers: string[];
  clientId: string;
}

/**
 * One Kafka admin client for the operator (built once, like every downstream client), on
 * `@platformatic/kafka`. The client connects on first use and reconnects by itself; every
 * metadata read the operator makes forces a refresh, so a topic deleted or grown behind its
 * back is seen as it is. Retries inside the client are few and short: a reconcile that fails
 * is retried by the work queue with its own backoff, and a lag read serves the API server,
 * which would rather get an error than wait.
 */
export class KafkaAdminSession {
  readonly #options: KafkaAdminSessionOptions;
  #admin: Admin | undefined;

  constructor(options: KafkaAdminSessionOptions) {
    this.#options = options;
  }

  #get(): Admin {
    this.#admin ??= new Admin({
      clientId: this.#options.clientId,
      bootstrapBrokers: this.#options.brokers,
      // Never create a topic by asking about it: topics exist because a pipeline declares them.
      autocreateTopics: false,
      retries: 2,
      retryDelay: 250,
      timeout: 10_000,
      connectTimeout: 5_000,
    });
    return this.#admin;
  }

  /** Runs `fn` with the admin client. */
  async use<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    return fn(this.#get());
  }

  /** Closes the client's connections; a later {@link use} opens new ones. */
  async close(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    await admin?.close().catch(() => undefined);
  }
}
