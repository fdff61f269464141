export { createTestTopics, deleteTestTopics, readTopic, testKafkaSettings } from './kafka.ts';
export type { ReadRecord } from './kafka.ts';
export { createTestDatabase } from './postgres.ts';
export type { TestDatabase } from './postgres.ts';
export { createTestVhost, rabbitmqManagement } from './rabbitmq.ts';
export type { PeekedMessage, TestVhost } from './rabbitmq.ts';
export { stackEnv, stackEnvPath, stackSetting } from './stack-env.ts';
export { uniqueName, waitFor } from './wait-for.ts';
export type { WaitForOptions } from './wait-for.ts';
