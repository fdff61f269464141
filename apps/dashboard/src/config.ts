import { Type, env, loadConfig, type Static } from '@orderflow/config';

/** Environment of the dashboard; every variable is documented by its schema. */
export const DashboardConfigSchema = Type.Object({
  PORT: env.port(8084),
  HOST: env.string({ default: '0.0.0.0' }),
  LOG_LEVEL: env.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, 'info'),
  RABBITMQ_URL: env.secret(),
  REDIS_URL: env.secret(),
  /** Comma-separated `host:port` list. */
  KAFKA_BROKERS: env.string({ minLength: 3 }),
  /** The dashboard's own queue on the `orders` exchange, shared by every replica (competing consumers). */
  STATUS_QUEUE: env.string({ default: 'dashboard.order-status', minLength: 1 }),
  /** Unacknowledged status events in hand per replica; they are applied concurrently (the snapshot's compare-and-set orders them). */
  STATUS_PREFETCH: env.int({ default: 200, minimum: 1, maximum: 5_000 }),
  /**
   * Prefix of every Redis key and of the Pub/Sub channel. The default carries a hash tag so every
   * key of one board lands in one Redis Cluster slot (the Lua scripts touch several).
   */
  REDIS_PREFIX: env.string({ default: '{orderflow-board}:', minLength: 1 }),
  /** Orders kept on the board (the most recently changed). */
  BOARD_MAX_ORDERS: env.int({ default: 200, minimum: 1, maximum: 10_000 }),
  /** Orders not changed for this long leave the board. */
  BOARD_MAX_AGE_SECONDS: env.int({ default: 3_600, minimum: 10, maximum: 30 * 86_400 }),
  /** How long an order's last version is remembered, so a late or replayed event never regresses it. */
  ORDER_STATE_TTL_SECONDS: env.int({ default: 7 * 86_400, minimum: 60, maximum: 90 * 86_400 }),
  /** Statistics windows and alerts kept for the page. */
  BOARD_MAX_WINDOWS: env.int({ default: 30, minimum: 1, maximum: 1_440 }),
  BOARD_MAX_ALERTS: env.int({ default: 50, minimum: 1, maximum: 1_000 }),
  KAFKA_STATS_TOPIC: env.string({ default: 'order-stats', minLength: 1 }),
  KAFKA_ALERTS_TOPIC: env.string({ default: 'order-alerts', minLength: 1 }),
  /** One group for every replica: the records land in the shared Redis snapshot, so each is applied once. */
  KAFKA_GROUP_ID: env.string({ default: 'dashboard', minLength: 1 }),
  /** How often browsers are told the latest sequence number, so a lost Pub/Sub message is noticed while idle. */
  HEARTBEAT_MS: env.int({ default: 5_000, minimum: 100, maximum: 60_000 }),
  /** A browser whose unsent WebSocket data exceeds this is disconnected (it reconnects and resyncs) rather than buffered without bound. */
  CLIENT_MAX_BUFFERED_BYTES: env.int({ default: 4_194_304, minimum: 65_536, maximum: 268_435_456 }),
  /**
   * Origins (`https://board.example.com`, comma-separated) whose pages may open the board's
   * WebSocket besides the page's own; unset = same origin only. Guards against other sites
   * reading the board through a visitor's browser (cross-site WebSocket hijacking).
   */
  BOARD_ALLOWED_ORIGINS: env.optional(env.string({ minLength: 1 })),
  SHUTDOWN_TIMEOUT_MS: env.int({ default: 10_000, minimum: 100, maximum: 600_000 }),
  /** When set (local runs), a file_sd target for this instance's /metrics is written there. */
  PROMETHEUS_TARGETS_DIR: env.optional(env.string({ minLength: 1 })),
  /** Address Prometheus should scrape, default `127.0.0.1:<PORT>`. */
  METRICS_ADVERTISE_ADDRESS: env.optional(env.string({ minLength: 3 })),
});

export type DashboardConfig = Readonly<Static<typeof DashboardConfigSchema>>;

/** Parses the dashboard's environment once; a bad value fails naming the variable. */
export function loadDashboardConfig(source: Record<string, string | undefined> = process.env): DashboardConfig {
  return loadConfig(DashboardConfigSchema, source);
}
