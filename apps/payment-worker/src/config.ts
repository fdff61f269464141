import { ConfigError, Type, env, loadConfig, type Static } from '@orderflow/config';
import { DEFAULT_PREFETCH, deadLetterQueueName, queueConsumerSettings } from '@orderflow/consumer-contract';
import { QUEUES } from '@orderflow/messaging';

/** Environment of the payment worker; every variable is documented by its schema. */
export const WorkerConfigSchema = Type.Object({
  // What the operator sets (PORT, ORDERFLOW_QUEUE, ORDERFLOW_DEAD_LETTER_QUEUE, MAX_RETRIES,
  // PREFETCH, TOPOLOGY_MODE): one schema shared with its Deployment builder. PORT also serves
  // the admin replay endpoint.
  ...queueConsumerSettings({ port: 8081, queue: QUEUES.payments, prefetch: DEFAULT_PREFETCH, maxRetries: 3 }),
  HOST: env.string({ default: '0.0.0.0' }),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
  /** postgres:// URL with credentials: a secret (or DATABASE_URL_FILE), never printed. */
  DATABASE_URL: env.secret(),
  DATABASE_POOL_SIZE: env.int({ default: 4, minimum: 1, maximum: 100 }),
  /** amqp:// URL with credentials: a secret (or RABBITMQ_URL_FILE), never printed. */
  RABBITMQ_URL: env.secret(),
  /** Charges in flight at once (HTTP calls to the provider). */
  CONCURRENCY: env.int({ default: 64, minimum: 1, maximum: 10_000 }),
  /** Most messages settled per database transaction (and per ack). */
  BATCH_SIZE: env.int({ default: 200, minimum: 1, maximum: 10_000 }),
  /** Batches being written at once (each its own transaction; rows are locked in id order). */
  FLUSH_CONCURRENCY: env.int({ default: 2, minimum: 1, maximum: 32 }),
  /** How long a partial batch may wait for more results before it is written. */
  BATCH_LINGER_MS: env.int({ default: 5, minimum: 0, maximum: 1_000 }),
  PROVIDER_URL: env.url(['http', 'https']),
  /** Per-attempt timeout of a charge call. */
  PROVIDER_TIMEOUT_MS: env.int({ default: 2_000, minimum: 10, maximum: 60_000 }),
  /** In-process retries of a failed charge call before the message goes to a delay queue. */
  PROVIDER_RETRIES: env.int({ default: 2, minimum: 0, maximum: 10 }),
  PROVIDER_RETRY_INITIAL_MS: env.int({ default: 50, minimum: 1, maximum: 60_000 }),
  PROVIDER_RETRY_MAX_MS: env.int({ default: 1_000, minimum: 1, maximum: 60_000 }),
  /** Consecutive failed calls that open the circuit breaker. */
  BREAKER_THRESHOLD: env.int({ default: 10, minimum: 1, maximum: 10_000 }),
  /** How long the breaker stays open before letting a trial call through. */
  BREAKER_HALF_OPEN_MS: env.int({ default: 5_000, minimum: 10, maximum: 600_000 }),
  /** TTL of delay queue 1 (declare mode; in verify mode the pipeline's queues carry their TTLs); each next queue waits RETRY_BACKOFF_FACTOR times longer. */
  RETRY_INITIAL_DELAY_MS: env.int({ default: 1_000, minimum: 1, maximum: 3_600_000 }),
  RETRY_BACKOFF_FACTOR: env.int({ default: 5, minimum: 1, maximum: 100 }),
  /** TTL of the parking queue used while the breaker is open (declare mode). */
  PARK_DELAY_MS: env.int({ default: 5_000, minimum: 1, maximum: 3_600_000 }),
  /** Bearer token of POST /admin/replay-dlq; the endpoint is refused when unset. */
  ADMIN_TOKEN: env.optional(env.secret({ minLength: 16 })),
  /** When set (local runs), a file_sd target for this instance's /metrics is written there. */
  PROMETHEUS_TARGETS_DIR: env.optional(env.string({ minLength: 1 })),
  /** Address Prometheus should scrape, default `127.0.0.1:<PORT>`. */
  METRICS_ADVERTISE_ADDRESS: env.optional(env.string({ minLength: 3 })),
  /** Time allowed for draining in-flight messages on SIGTERM. */
  SHUTDOWN_TIMEOUT_MS: env.int({ default: 25_000, minimum: 100, maximum: 600_000 }),
});

export type WorkerConfig = Readonly<Static<typeof WorkerConfigSchema>>;

/** The worker's retry, parking and replay names are those of the payments queue (`@orderflow/messaging` QUEUES). */
function checkQueueNames(config: WorkerConfig): void {
  const problems: string[] = [];
  if (config.ORDERFLOW_QUEUE !== QUEUES.payments) problems.push(`ORDERFLOW_QUEUE: payment-worker consumes "${QUEUES.payments}" (its retry, parking and dead-letter queues are named after it), got "${config.ORDERFLOW_QUEUE}"`);
  const dlq = config.ORDERFLOW_DEAD_LETTER_QUEUE;
  if (dlq !== undefined && dlq !== deadLetterQueueName(QUEUES.payments)) problems.push(`ORDERFLOW_DEAD_LETTER_QUEUE: payment-worker dead-letters to "${deadLetterQueueName(QUEUES.payments)}", got "${dlq}"`);
  if (config.TOPOLOGY_MODE === 'verify' && dlq === undefined) problems.push('ORDERFLOW_DEAD_LETTER_QUEUE: required with TOPOLOGY_MODE=verify (the pipeline must declare the dead-letter queue: deadLetter.enabled)');
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Parses the worker's environment once; a bad value fails naming the variable. */
export function loadWorkerConfig(source: Record<string, string | undefined> = process.env): WorkerConfig {
  const config = loadConfig(WorkerConfigSchema, source);
  checkQueueNames(config);
  return config;
}

/** TTL of delay queue `n` (1-based): initial × factorⁿ⁻¹. */
export function retryDelayMs(config: Pick<WorkerConfig, 'RETRY_INITIAL_DELAY_MS' | 'RETRY_BACKOFF_FACTOR'>, n: number): number {
  return config.RETRY_INITIAL_DELAY_MS * config.RETRY_BACKOFF_FACTOR ** (n - 1);
}
