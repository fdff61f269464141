import { Type, env, loadConfig, type Static } from '@orderflow/config';

/** Every variable catalog-api reads; `DATABASE_URL` and `REDIS_URL` may come from `<NAME>_FILE`. */
export const ConfigSchema = Type.Object({
  PORT: env.port(8083),
  HOST: env.string({ default: '0.0.0.0' }),
  LOG_LEVEL: env.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const, 'info'),
  /** Log every request (off by default: cache hits are answered thousands of times a second). */
  LOG_REQUESTS: env.bool(false),
  DATABASE_URL: env.secret(),
  /** `redis://:<password>@host:port[/db]`; the password comes from a Secret, never a default. */
  REDIS_URL: env.secret(),
  /** Pool size, and so the number of queries running at once (more wait their turn in process). */
  DB_POOL_MAX: env.int({ default: 10, minimum: 2, maximum: 200 }),
  /** Queries waiting for a turn at most; beyond, reads answer stale or 503 and writes 503, at once. */
  DB_MAX_QUEUED: env.int({ default: 1_000, minimum: 0, maximum: 100_000 }),
  /** Give up opening a database connection after this long (the breaker then counts a failure). */
  DB_CONNECT_TIMEOUT_MS: env.int({ default: 2_000, minimum: 100, maximum: 60_000 }),
  /** PostgreSQL statement_timeout on every connection. */
  DB_STATEMENT_TIMEOUT_MS: env.int({ default: 10_000, minimum: 100, maximum: 600_000 }),
  /** Consecutive database failures that open the breaker; while open, reads answer from the stale copy. */
  DB_BREAKER_THRESHOLD: env.int({ default: 5, minimum: 1, maximum: 1_000 }),
  /** How long the breaker stays open before one trial query is let through. */
  DB_BREAKER_HALF_OPEN_AFTER_MS: env.int({ default: 5_000, minimum: 10, maximum: 600_000 }),
  MIGRATE_ON_START: env.bool(true),
  BODY_LIMIT_BYTES: env.int({ default: 65_536, minimum: 1_024, maximum: 10_485_760 }),
  /** Prefix of every Redis key this service writes (several deployments can share one Redis). */
  CACHE_KEY_PREFIX: env.string({ default: 'catalog:', minLength: 1 }),
  /** How long a cached product or details entry is served as fresh. */
  CACHE_TTL_MS: env.int({ default: 60_000, minimum: 10, maximum: 86_400_000 }),
  /** Up to this much is added at random to each TTL, so keys cached together do not expire together. */
  CACHE_TTL_JITTER_MS: env.int({ default: 6_000, minimum: 0, maximum: 86_400_000 }),
  /** TTL of "no such product" answers (short: a new SKU is visible at once anyway, by write-through). */
  CACHE_NEGATIVE_TTL_MS: env.int({ default: 5_000, minimum: 10, maximum: 86_400_000 }),
  /** How long the stale copy (served only while the database fails) and tombstones are kept. */
  CACHE_STALE_TTL_MS: env.int({ default: 86_400_000, minimum: 1_000, maximum: 30 * 86_400_000 }),
  /** Limit of one Redis command; past it the request answers from the database. */
  REDIS_COMMAND_TIMEOUT_MS: env.int({ default: 250, minimum: 5, maximum: 60_000 }),
  REDIS_CONNECT_TIMEOUT_MS: env.int({ default: 2_000, minimum: 100, maximum: 60_000 }),
  SHUTDOWN_TIMEOUT_MS: env.int({ default: 20_000, minimum: 100, maximum: 600_000 }),
  /** When set (local runs), a file_sd target for this instance's /metrics is written there. */
  PROMETHEUS_TARGETS_DIR: env.optional(env.string({ minLength: 1 })),
  /** Address Prometheus should scrape, default `127.0.0.1:<PORT>`. */
  METRICS_ADVERTISE_ADDRESS: env.optional(env.string({ minLength: 3 })),
});

export type CatalogConfig = Readonly<Static<typeof ConfigSchema>>;

/** Reads the environment once; fails naming every bad variable. */
export function readConfig(source: Record<string, string | undefined> = process.env): CatalogConfig {
  return loadConfig(ConfigSchema, source);
}
