import pg from 'pg';

/** Options for {@link createPool}. */
export interface PoolOptions {
  /** Connections at most (default 10). */
  max?: number;
  /** Shown in `pg_stat_activity`. */
  applicationName?: string;
  /** Give up connecting after this long (default 5 s), so readiness fails instead of hanging. */
  connectionTimeoutMs?: number;
  /** Per-statement limit set on every connection (default 30 s). */
  statementTimeoutMs?: number;
  /**
   * `idle_in_transaction_session_timeout` of every connection (default 60 s): the server ends a
   * session whose transaction sits idle that long, releasing its row locks even if the app hangs
   * between statements (waiting on a broker, a bug). Must exceed any deliberate wait inside a
   * transaction (the relay's confirm deadline); 0 disables it.
   */
  idleInTransactionTimeoutMs?: number;
}

/**
 * A pool from a `postgres://` URL. Idle-client errors (the server restarted, a connection was
 * killed) are absorbed: the pool drops that client and opens another on the next query.
 */
export function createPool(databaseUrl: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'orderflow',
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 60_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', () => {
    // Emitted for idle clients only; the pool has already removed the broken client.
  });
  return pool;
}

/** Runs `select 1`; for readiness checks. */
export async function ping(pool: pg.Pool): Promise<void> {
  await pool.query('select 1');
}
