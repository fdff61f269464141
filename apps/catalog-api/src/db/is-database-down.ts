/**
 * SQLSTATE classes that say the database cannot serve (connection exceptions, insufficient
 * resources, operator intervention such as a cancelled statement or a shutdown, system errors).
 */
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58']);

/**
 * Whether `err` means PostgreSQL is unreachable or unable to serve, as opposed to refusing this
 * one statement (a constraint, a bad value). Only the former counts against the breaker.
 * Socket errors and the pool's connect timeout carry no SQLSTATE.
 */
export function isDatabaseDown(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_CLASSES.has(code.slice(0, 2));
  return true;
}
