import { Type, env, loadConfig, type Static } from '@orderflow/config';

/** Environment of the payment provider; every variable is documented by its schema. */
export const ProviderConfigSchema = Type.Object({
  PORT: env.port(8090),
  HOST: env.string({ default: '0.0.0.0' }),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
  /** Added to every charge request before it is answered. */
  PROVIDER_LATENCY_MS: env.int({ default: 0, minimum: 0, maximum: 60_000 }),
  /** Uniform random extra latency, 0..jitter ms. */
  PROVIDER_LATENCY_JITTER_MS: env.int({ default: 0, minimum: 0, maximum: 60_000 }),
  /** Share of charge requests answered with 503 (0 = never, 1 = always). */
  PROVIDER_FAILURE_RATE: env.number({ default: 0, minimum: 0, maximum: 1 }),
  /** When set (local runs), a file_sd target for this instance's /metrics is written there. */
  PROMETHEUS_TARGETS_DIR: env.optional(env.string({ minLength: 1 })),
  /** Address Prometheus should scrape, default `127.0.0.1:<PORT>`. */
  METRICS_ADVERTISE_ADDRESS: env.optional(env.string({ minLength: 3 })),
  /** Bearer token for /admin/* and ledger reset; admin endpoints are refused when unset. */
  PROVIDER_ADMIN_TOKEN: env.optional(env.secret({ minLength: 16 })),
});

export type ProviderConfig = Readonly<Static<typeof ProviderConfigSchema>>;

/** Parses the provider's environment once; a bad value fails naming the variable. */
export function loadProviderConfig(source: Record<string, string | undefined> = process.env): ProviderConfig {
  return loadConfig(ProviderConfigSchema, source);
}
