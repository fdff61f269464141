import { Consumer, FetchIsolationLevels, stringDeserializers } from '@platformatic/kafka';
import { kafkaClientOptions, type KafkaClientSettings } from './client-options.ts';

/** A consumer of UTF-8 keys, values and headers. */
export type StringConsumer = Consumer<string, string, string, string>;

/** Options for {@link createReadCommittedConsumer}. */
export interface ReadCommittedConsumerOptions {
  groupId: string;
  /**
   * Static membership: a restarted instance with the same id takes its partitions back at once
   * instead of waiting for the old member's session to time out.
   */
  groupInstanceId?: string;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Longest a fetch waits for data; bounds how late an idle consumer notices a stop. */
  maxWaitTimeMs?: number;
}

/**
 * A group consumer that reads only committed transactions (never records of an aborted or open
 * one) and never auto-commits: offsets are committed by the caller, inside its transaction.
 */
export function createReadCommittedConsumer(settings: KafkaClientSettings, options: ReadCommittedConsumerOptions): StringConsumer {
  return new Consumer({
    ...kafkaClientOptions(settings),
    groupId: options.groupId,
    ...(options.groupInstanceId !== undefined && { groupInstanceId: options.groupInstanceId }),
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    heartbeatInterval: options.heartbeatIntervalMs ?? 1_000,
    rebalanceTimeout: Math.max(options.sessionTimeoutMs ?? 10_000, 15_000),
    maxWaitTime: options.maxWaitTimeMs ?? 500,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    autocommit: false,
    deserializers: stringDeserializers,
  });
}
