import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Pool } from '@orderflow/pg';
import { breakerGaugeValue, breakerStateName, type Registry } from '@orderflow/telemetry';
import { redisReporter } from './cache/redis-reporter.ts';
import { VersionedCache } from './cache/versioned-cache.ts';
import type { CatalogConfig } from './config.ts';
import { createDatabasePolicy } from './db/database-policy.ts';
import { createCatalogMetrics, type CatalogMetrics } from './metrics.ts';
import { ProductCatalog } from './products/product-catalog.ts';
import { ProductRepository } from './products/product-repository.ts';

type PartsConfig = Pick<
  CatalogConfig,
  | 'CACHE_KEY_PREFIX'
  | 'CACHE_TTL_MS'
  | 'CACHE_TTL_JITTER_MS'
  | 'CACHE_NEGATIVE_TTL_MS'
  | 'CACHE_STALE_TTL_MS'
  | 'DB_BREAKER_THRESHOLD'
  | 'DB_BREAKER_HALF_OPEN_AFTER_MS'
  | 'DB_POOL_MAX'
  | 'DB_MAX_QUEUED'
>;

/** The catalog and what it is made of, wired the same way in `main.ts`, tests and the benchmark. */
export interface CatalogParts {
  catalog: ProductCatalog;
  repository: ProductRepository;
  cache: VersionedCache;
  metrics: CatalogMetrics;
}

/** Options for {@link createCatalogParts}. */
export interface CatalogPartsOptions {
  /** A subclass of ProductRepository (tests use one that pauses between query and return, as a slow reader). */
  Repository?: typeof ProductRepository;
}

/** Wires repository, breaker, cache and metrics around connected clients. */
export function createCatalogParts(
  config: PartsConfig,
  clients: { pool: Pool; redis: Redis; registry: Registry; logger: Logger },
  options: CatalogPartsOptions = {},
): CatalogParts {
  const metrics = createCatalogMetrics(clients.registry);
  const Repository = options.Repository ?? ProductRepository;
  const repository = new Repository(clients.pool, {
    queried(op, ok, seconds) {
      metrics.dbQueries.inc({ op, outcome: ok ? 'ok' : 'error' });
      metrics.dbQuerySeconds.observe({ op }, seconds);
    },
  });
  const policy = createDatabasePolicy({
    threshold: config.DB_BREAKER_THRESHOLD,
    halfOpenAfterMs: config.DB_BREAKER_HALF_OPEN_AFTER_MS,
    maxConcurrent: config.DB_POOL_MAX,
    maxQueued: config.DB_MAX_QUEUED,
    onStateChange(state) {
      metrics.dbBreakerState.set(breakerGaugeValue(state));
      clients.logger.warn({ state: breakerStateName(state) }, 'PostgreSQL breaker changed state');
    },
  });
  const cache = new VersionedCache(clients.redis, {
    prefix: config.CACHE_KEY_PREFIX,
    staleTtlMs: config.CACHE_STALE_TTL_MS,
    observer: redisReporter(metrics, clients.logger),
  });
  const catalog = new ProductCatalog({
    repository,
    cache,
    policy,
    metrics,
    ttls: { freshMs: config.CACHE_TTL_MS, jitterMs: config.CACHE_TTL_JITTER_MS, negativeMs: config.CACHE_NEGATIVE_TTL_MS },
  });
  return { catalog, repository, cache, metrics };
}
