import { defineError } from '@orderflow/errors';

/** A Kafka operation failed; `retriable` follows the client's own classification. */
export const KafkaUnavailable = defineError<[string, string]>({
  code: 'KAFKA_ERR_UNAVAILABLE',
  message: (operation, why) => `Kafka ${operation} failed: ${why}`,
  statusCode: 503,
  retriable: true,
});

/** A Kafka operation failed in a way retrying cannot fix (authorization, bad request, fenced). */
export const KafkaFailed = defineError<[string, string]>({
  code: 'KAFKA_ERR_FAILED',
  message: (operation, why) => `Kafka ${operation} failed permanently: ${why}`,
  statusCode: 500,
  retriable: false,
});

/** Another producer with the same transactional id (a newer instance) took over: stop. */
export const ProducerFenced = defineError<[string]>({
  code: 'KAFKA_ERR_PRODUCER_FENCED',
  message: (transactionalId) => `producer ${transactionalId} was fenced by a newer instance; this one must stop`,
  statusCode: 500,
  retriable: false,
});

/** A topic the caller needs is missing (declared by the OrderPipeline, never auto-created). */
export const TopicMissing = defineError<[string]>({
  code: 'KAFKA_ERR_TOPIC_MISSING',
  message: (topic) => `topic ${topic} does not exist; the OrderPipeline declares it (no broker auto-create)`,
  statusCode: 503,
  retriable: true,
});

/** A partition count may only grow. */
export const PartitionsShrink = defineError<[string, number, number]>({
  code: 'KAFKA_ERR_PARTITIONS_SHRINK',
  message: (topic, have, want) => `topic ${topic} has ${have} partitions; Kafka cannot shrink it to ${want}`,
  statusCode: 400,
  retriable: false,
});
