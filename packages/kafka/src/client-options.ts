import { readFileSync } from 'node:fs';
import { type Type, env, type Static } from '@orderflow/config';
import type { BaseOptions, SASLMechanismValue } from '@platformatic/kafka';

/**
 * The Kafka variables every app reads (spread into its config schema). Production takes the
 * SASL password from a mounted Secret (`KAFKA_SASL_PASSWORD_FILE`) and turns TLS on.
 */
export const KafkaConfigSchema = {
  /** Comma-separated `host:port` bootstrap brokers. */
  KAFKA_BROKERS: env.string({ minLength: 3, pattern: '^[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*$' }),
  KAFKA_CLIENT_ID: env.optional(env.string({ minLength: 1 })),
  KAFKA_SASL_MECHANISM: env.optional(env.oneOf(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)),
  KAFKA_SASL_USERNAME: env.optional(env.string({ minLength: 1 })),
  KAFKA_SASL_PASSWORD: env.optional(env.secret()),
  KAFKA_TLS: env.bool(false),
  /** PEM bundle of the CA that signed the brokers' certificates (default: the system's). */
  KAFKA_TLS_CA_FILE: env.optional(env.string({ minLength: 1 })),
  /**
   * Back-off between retries of a Kafka request. Low on purpose: with the client's default,
   * CONCURRENT_TRANSACTIONS back-offs made transactions ~20x slower (docs/kafka.md).
   */
  KAFKA_RETRY_DELAY_MS: env.int({ default: 50, minimum: 1, maximum: 60_000 }),
  KAFKA_REQUEST_TIMEOUT_MS: env.int({ default: 30_000, minimum: 100, maximum: 600_000 }),
};

/** The parsed Kafka variables. */
export type KafkaConfig = Readonly<Static<ReturnType<typeof Type.Object<typeof KafkaConfigSchema>>>>;

/** What any client (producer, consumer, admin) is built from. */
export interface KafkaClientSettings {
  brokers: readonly string[];
  clientId: string;
  sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string };
  tls?: { ca?: string };
  retryDelayMs?: number;
  requestTimeoutMs?: number;
}

/** Settings from an app's parsed config; `defaultClientId` names the app when none is set. */
export function kafkaSettingsFromConfig(config: KafkaConfig, defaultClientId: string): KafkaClientSettings {
  const settings: KafkaClientSettings = {
    brokers: config.KAFKA_BROKERS.split(','),
    clientId: config.KAFKA_CLIENT_ID ?? defaultClientId,
    retryDelayMs: config.KAFKA_RETRY_DELAY_MS,
    requestTimeoutMs: config.KAFKA_REQUEST_TIMEOUT_MS,
  };
  if (config.KAFKA_SASL_MECHANISM !== undefined) {
    if (config.KAFKA_SASL_USERNAME === undefined || config.KAFKA_SASL_PASSWORD === undefined) {
      throw new TypeError('KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE)');
    }
    settings.sasl = { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME, password: config.KAFKA_SASL_PASSWORD };
  }
  if (config.KAFKA_TLS) {
    settings.tls = config.KAFKA_TLS_CA_FILE === undefined ? {} : { ca: readFileSync(config.KAFKA_TLS_CA_FILE, 'utf8') };
  }
  return settings;
}

/** The client options @platformatic/kafka takes, from the settings. */
export function kafkaClientOptions(settings: KafkaClientSettings): BaseOptions {
  return {
    clientId: settings.clientId,
    bootstrapBrokers: [...settings.brokers],
    retryDelay: settings.retryDelayMs ?? 50,
    timeout: settings.requestTimeoutMs ?? 30_000,
    // Topics are declared by the OrderPipeline; a typo must fail, not create a topic.
    autocreateTopics: false,
    ...(settings.tls && { tls: settings.tls.ca === undefined ? {} : { ca: settings.tls.ca } }),
    ...(settings.sasl && {
      sasl: { mechanism: settings.sasl.mechanism as SASLMechanismValue, username: settings.sasl.username, password: settings.sasl.password },
    }),
  };
}
