import { Redis } from 'ioredis';

/** Options for {@link createRedisClient}. */
export interface RedisClientOptions {
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  connectionName?: string;
}

/**
 * A Redis client that fails fast instead of waiting: commands issued while disconnected are
 * rejected at once (no offline queue), commands pending when the connection drops are failed
 * rather than retried, and each command has a timeout. The cache treats every such failure as
 * "answer from the database", so a Redis outage costs latency, never an error or a hang.
 * It reconnects in the background. The caller must listen for `error` events.
 */
export function createRedisClient(url: string, options: RedisClientOptions): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.connectTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
  });
}
