export { kafkaConsumerEnv, kafkaConsumerSettings, OFFSET_RESET_POLICIES } from './kafka-consumer.ts';
export type { KafkaConsumerEnv, OffsetResetPolicy } from './kafka-consumer.ts';
export { DEFAULT_PREFETCH, queueConsumerEnv, queueConsumerSettings, TOPOLOGY_MODES } from './queue-consumer.ts';
export type { QueueConsumerDefaults, QueueConsumerEnv, QueueConsumerInput, TopologyMode } from './queue-consumer.ts';
export { deadLetterQueueName, retryQueueName } from './queue-names.ts';
export { CONSUMER_PORT, fileVariable, LIVENESS_PATH, READINESS_PATH, SECRET_FILE_NAME, SECRET_FILES_DIR, secretFileDir, secretFilePath } from './workload.ts';
