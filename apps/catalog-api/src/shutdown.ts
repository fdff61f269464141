import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Pool } from '@orderflow/pg';

/** Everything a running catalog-api holds. */
export interface RunningParts {
  app: FastifyInstance;
  pool: Pool;
  redis: Redis;
  logger: Logger;
  /** Removes the Prometheus target file, when one was written. */
  removeTarget?: () => Promise<void>;
}

/**
 * The graceful drain: readiness goes 503 and responses ask clients to close their connections,
 * the server stops accepting and finishes the requests it has (their writes reach the database
 * and the cache), then Redis and the pool close.
 */
export async function shutdown(parts: RunningParts): Promise<void> {
  parts.logger.info('shutting down: draining HTTP');
  parts.app.markDraining();
  await parts.removeTarget?.().catch(() => undefined);
  await parts.app.close();
  await parts.redis.quit().catch(() => parts.redis.disconnect());
  await parts.pool.end();
  parts.logger.info('shut down');
}
