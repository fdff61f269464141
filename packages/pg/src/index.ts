export { classifyPgError } from './classify.ts';
export type { PgFailureKind } from './classify.ts';
export { DatabaseUnavailable, MigrationChanged, MigrationFailed, MigrationMisnamed } from './errors.ts';
export { migrate } from './migrate.ts';
export type { MigrateOptions, MigrateResult } from './migrate.ts';
export { createPool, ping } from './pool.ts';
export type { PoolOptions } from './pool.ts';
export { withTransaction } from './transaction.ts';
export type { Pool, PoolClient } from 'pg';
