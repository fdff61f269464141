import type { Logger } from 'pino';
import type { CatalogMetrics } from '../metrics.ts';
import type { CacheObserver } from './versioned-cache.ts';

/**
 * Counts every failed Redis command and logs only the changes (Redis became unavailable, Redis
 * is back), so an outage at thousands of requests a second writes two lines, not thousands.
 */
export function redisReporter(metrics: CatalogMetrics, logger: Logger): CacheObserver {
  let failing = false;
  return {
    redisFailed(op, err) {
      metrics.redisErrors.inc({ op });
      if (failing) return;
      failing = true;
      logger.warn({ err, op }, 'Redis is unavailable: answering from PostgreSQL (slower) until it is back');
    },
    redisSucceeded() {
      if (!failing) return;
      failing = false;
      logger.info('Redis is back: answering from the cache again');
    },
  };
}
