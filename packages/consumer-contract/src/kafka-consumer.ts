import { env, type Static, type TObject } from '@orderflow/config';
import { CONSUMER_PORT } from './workload.ts';

/** Where a Kafka consumer group starts on a partition it has no valid committed offset for. */
export const OFFSET_RESET_POLICIES = ['latest', 'earliest'] as const;
export type OffsetResetPolicy = (typeof OFFSET_RESET_POLICIES)[number];

/**
 * The variables a Kafka consumer reads from the operator, as config schema fields an app
 * spreads into its own schema. The offset reset policy must be the group's
 * `auto.offset.reset`: the lag the operator scales on assumes it. `offsetReset` is the app's
 * default when run without the operator (`latest` unless it names one); the operator always
 * sets it.
 */
export function kafkaConsumerSettings(defaults: { port: number; topic: string; group: string; offsetReset?: OffsetResetPolicy }) {
  return {
    PORT: env.port(defaults.port),
    ORDERFLOW_KAFKA_TOPIC: env.string({ default: defaults.topic, minLength: 1 }),
    ORDERFLOW_KAFKA_GROUP: env.string({ default: defaults.group, minLength: 1 }),
    ORDERFLOW_KAFKA_OFFSET_RESET: env.oneOf(OFFSET_RESET_POLICIES, defaults.offsetReset ?? 'latest'),
  };
}


/** The variables of {@link kafkaConsumerSettings} as the operator sets them. */
export type KafkaConsumerEnv = { [K in keyof Static<TObject<ReturnType<typeof kafkaConsumerSettings>>>]: string };

/** The environment the operator gives a Kafka consumer. */
export function kafkaConsumerEnv(input: { topic: string; group: string; offsetReset: OffsetResetPolicy }): KafkaConsumerEnv {
  return {
    PORT: String(CONSUMER_PORT),
    ORDERFLOW_KAFKA_TOPIC: input.topic,
    ORDERFLOW_KAFKA_GROUP: input.group,
    ORDERFLOW_KAFKA_OFFSET_RESET: input.offsetReset,
  };
}
