import { CodedError } from './coded-error.ts';

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** The flags client libraries put on their errors to say whether a retry can succeed. */
const RETRY_FLAGS = ['retriable', 'retryable', 'canRetry'] as const;

/**
 * Whether retrying can help: a coded error says so itself; a client error that carries a boolean
 * retry flag (`retriable`, `retryable` or `canRetry`, as broker clients do) is taken at its word;
 * an aggregate is retriable only when every error in it is; socket-level failures are transient;
 * anything else is treated as permanent.
 */
export function isRetriable(err: unknown): boolean {
  if (err instanceof CodedError) return err.retriable;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as Record<string, unknown> & { code?: unknown; cause?: unknown };
  for (const flag of RETRY_FLAGS) {
    if (typeof e[flag] === 'boolean') return e[flag];
  }
  // An aggregate (several brokers or partitions answered) can only be retried if each part can.
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.every((inner) => isRetriable(inner));
  if (typeof e.code === 'string' && TRANSIENT_NODE_CODES.has(e.code)) return true;
  if (e.cause !== undefined && e.cause !== err) return isRetriable(e.cause);
  return false;
}
