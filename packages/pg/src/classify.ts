/** What kind of failure a PostgreSQL error is, as far as a caller deciding on a retry cares. */
export type PgFailureKind = 'unavailable' | 'conflict' | 'timeout' | 'rejected';

// Socket-level failures of the driver (no SQLSTATE): the server is down, restarting or unreachable.
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
const CONNECTION_MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i, /Client was closed/i];

/**
 * Classifies an error from `pg` by SQLSTATE (class 08 connection, 57P0x shutdown, 53 resources →
 * unavailable; 40001/40P01 → conflict; 57014 → timeout) or by the driver's socket errors.
 * Everything else is `rejected`. Callers turn the kind into a coded error with a fixed message,
 * so PostgreSQL's own text (table names, values) never reaches an API client.
 */
export function classifyPgError(err: unknown): PgFailureKind {
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (code === '40001' || code === '40P01') return 'conflict';
  if (code === '57014') return 'timeout';
  if (code.startsWith('08') || code.startsWith('53') || ['57P01', '57P02', '57P03'].includes(code) || CONNECTION_CODES.has(code)) return 'unavailable';
  const message = typeof e.message === 'string' ? e.message : '';
  if (CONNECTION_MESSAGES.some((re) => re.test(message))) return 'unavailable';
  return 'rejected';
}
