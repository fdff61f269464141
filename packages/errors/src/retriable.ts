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

/**
 * Whether retrying can help: a coded error says so itself; kafkajs errors carry `retriable`;
 * socket-level failures are transient; anything else is treated as permanent.
 */
export function isRetriable(err: unknown): boolean {
  if (err instanceof CodedError) return err.retriable;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { retriable?: unknown; code?: unknown; cause?: unknown };
  if (typeof e.retriable === 'boolean') return e.retriable;
  if (typeof e.code === 'string' && TRANSIENT_NODE_CODES.has(e.code)) return true;
  if (e.cause !== undefined && e.cause !== err) return isRetriable(e.cause);
  return false;
}
