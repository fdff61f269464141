import { Counter, Gauge, Histogram, createBreakerGauge, type Registry } from '@orderflow/telemetry';

/** catalog-api's own metrics (HTTP ones come from @orderflow/http). */
export interface CatalogMetrics {
  /** Answers by entity (`product`, `summary`) and outcome (`hit`, `miss`, `stale`, `bypass`). */
  cacheRequests: Counter<'entity' | 'outcome'>;
  /** Requests that waited for a load already in flight instead of querying themselves. */
  singleFlightJoined: Counter<'entity'>;
  /** Cache writes after a load or a change: `stored`, `superseded` (a newer version was cached), `unavailable`. */
  cacheWrites: Counter<'entity' | 'outcome'>;
  redisErrors: Counter<'op'>;
  dbQueries: Counter<'op' | 'outcome'>;
  dbQuerySeconds: Histogram<'op'>;
  dbBreakerState: Gauge;
}

/** Registers catalog-api's metrics; the hit ratio is derived from the answers counted. */
export function createCatalogMetrics(registry: Registry): CatalogMetrics {
  const registers = [registry];
  const cacheRequests = new Counter({
    name: 'catalog_cache_requests_total',
    help: 'Reads by entity and where the answer came from: hit (fresh cache), miss (database, then cached), stale (stale copy while the database fails), bypass (database while Redis fails).',
    labelNames: ['entity', 'outcome'] as const,
    registers,
  });
  new Gauge({
    name: 'catalog_cache_hit_ratio',
    help: 'Share of reads answered from the fresh cache since start (for a windowed ratio use rate() of catalog_cache_requests_total).',
    registers,
    async collect() {
      const values = (await cacheRequests.get()).values;
      const total = values.reduce((sum, v) => sum + v.value, 0);
      const hits = values.filter((v) => v.labels.outcome === 'hit').reduce((sum, v) => sum + v.value, 0);
      this.set(total === 0 ? 0 : hits / total);
    },
  });
  return {
    cacheRequests,
    singleFlightJoined: new Counter({
      name: 'catalog_singleflight_joined_total',
      help: 'Reads that joined a cache lookup or database load already in flight for the same key.',
      labelNames: ['entity'] as const,
      registers,
    }),
    cacheWrites: new Counter({
      name: 'catalog_cache_writes_total',
      help: 'Cache writes by outcome: stored, superseded (a newer version was already cached), unavailable (Redis failed).',
      labelNames: ['entity', 'outcome'] as const,
      registers,
    }),
    redisErrors: new Counter({ name: 'catalog_redis_errors_total', help: 'Redis commands that failed or timed out (the request then used the database).', labelNames: ['op'] as const, registers }),
    dbQueries: new Counter({ name: 'catalog_db_queries_total', help: 'Queries sent to PostgreSQL, by operation and outcome.', labelNames: ['op', 'outcome'] as const, registers }),
    dbQuerySeconds: new Histogram({
      name: 'catalog_db_query_seconds',
      help: 'Time of one PostgreSQL query.',
      labelNames: ['op'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    dbBreakerState: createBreakerGauge({ name: 'catalog_db_breaker_state', guards: 'PostgreSQL', registry }),
  };
}
