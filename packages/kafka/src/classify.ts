import { CodedError, isRetriable } from '@orderflow/errors';
import { findErrorBy } from '@platformatic/kafka';
import { KafkaFailed, KafkaUnavailable, ProducerFenced } from './errors.ts';

// Broker answers meaning a newer producer (same transactional id) or group generation took over.
const FENCED_API_IDS = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTION_COORDINATOR_FENCED', 'FENCED_INSTANCE_ID']);

/** True when `err` says this producer or group member was fenced by a newer one. */
export function isFenced(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (ProducerFenced.is(err)) return true;
  if (findErrorBy(err, 'producerFenced', true) !== null) return true;
  for (const id of FENCED_API_IDS) if (findErrorBy(err, 'apiId', id) !== null) return true;
  return err.cause instanceof Error && isFenced(err.cause);
}

/**
 * A coded error for a failed Kafka operation: fenced (stop; a newer instance owns the work),
 * unavailable (retriable: network, leader moves, coordinator loading, timeouts) or failed
 * (permanent). The client's own error is kept as the cause.
 */
export function toKafkaError(operation: string, err: unknown, transactionalId = 'unknown'): CodedError {
  if (err instanceof CodedError) return err;
  const why = err instanceof Error ? err.message : String(err);
  if (isFenced(err)) return new ProducerFenced([transactionalId], { cause: err });
  if (isRetriable(err)) return new KafkaUnavailable([operation, why], { cause: err });
  return new KafkaFailed([operation, why], { cause: err });
}
