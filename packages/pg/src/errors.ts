import { defineError } from '@orderflow/errors';

/** A migration file failed to apply; the database keeps the versions before it. */
export const MigrationFailed = defineError<[string, string]>({
  code: 'PG_ERR_MIGRATION_FAILED',
  message: (file, why) => `migration ${file} failed: ${why}`,
  statusCode: 500,
});

/** An applied migration was edited afterwards; history must not be rewritten. */
export const MigrationChanged = defineError<[string]>({
  code: 'PG_ERR_MIGRATION_CHANGED',
  message: (file) => `migration ${file} was changed after it was applied; add a new version instead`,
  statusCode: 500,
});

/** A file in the migrations folder does not follow `<version>_<name>.sql`. */
export const MigrationMisnamed = defineError<[string]>({
  code: 'PG_ERR_MIGRATION_MISNAMED',
  message: (file) => `migration file ${file} must be named <version>_<name>.sql (for example 0001_orders.sql)`,
  statusCode: 500,
});

/** The database cannot be reached or refused the query for a transient reason. */
export const DatabaseUnavailable = defineError<[string]>({
  code: 'PG_ERR_UNAVAILABLE',
  message: (why) => `PostgreSQL is unavailable: ${why}`,
  statusCode: 503,
  retriable: true,
});
