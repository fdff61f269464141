import { env, type Static, type TObject } from '@orderflow/config';
import { CONSUMER_PORT } from './workload.ts';

/**
 * Who declares a consumer's broker topology. `declare`: the consumer declares what it uses
 * (a process run without the operator). `verify`: the pipeline declared it and the operator
 * applied it; the consumer only checks that it exists (passive declarations) and fails naming
 * what is missing rather than declaring something different.
 */
export const TOPOLOGY_MODES = ['declare', 'verify'] as const;
export type TopologyMode = (typeof TOPOLOGY_MODES)[number];

/** Prefetch the operator sets when a pipeline's consumer names none. */
export const DEFAULT_PREFETCH = 200;

/** Defaults an app chooses for the settings of {@link queueConsumerSettings}. */
export interface QueueConsumerDefaults {
  port: number;
  queue: string;
  prefetch: number;
  maxRetries: number;
}

/**
 * The variables a RabbitMQ queue consumer reads from the operator, as config schema fields an
 * app spreads into its own schema (`Type.Object({ ...queueConsumerSettings(d), ... })`). The
 * operator's Deployment builder sets exactly these keys ({@link queueConsumerEnv}), so a name
 * changed on one side fails the type check of the other.
 */
export function queueConsumerSettings(defaults: QueueConsumerDefaults) {
  return {
    /** Port of /healthz, /readyz and /metrics. */
    PORT: env.port(defaults.port),
    /** The work queue consumed. */
    ORDERFLOW_QUEUE: env.string({ default: defaults.queue, minLength: 1 }),
    /** Where exhausted and refused messages go; `<queue>.dlq`. */
    ORDERFLOW_DEAD_LETTER_QUEUE: env.optional(env.string({ minLength: 1 })),
    /** Message-level retries through the delay queues `<queue>.retry.1..n` before a message is dead-lettered. */
    MAX_RETRIES: env.int({ default: defaults.maxRetries, minimum: 0, maximum: 10 }),
    /** Unacknowledged messages the broker may push to this consumer at once. */
    PREFETCH: env.int({ default: defaults.prefetch, minimum: 1, maximum: 65_535 }),
    /** `declare` (default) or `verify`: see {@link TOPOLOGY_MODES}. */
    TOPOLOGY_MODE: env.oneOf(TOPOLOGY_MODES, 'declare'),
  };
}


/** The variables of {@link queueConsumerSettings} as the operator sets them (strings). */
export type QueueConsumerEnv = { [K in keyof Static<TObject<ReturnType<typeof queueConsumerSettings>>>]: string };

/** What the operator knows about a queue consumer from its pipeline. */
export interface QueueConsumerInput {
  queue: string;
  deadLetterQueue: string | undefined;
  retries: number;
  prefetch: number;
}

/**
 * The environment the operator gives a queue consumer: its queue, dead-letter queue, retries
 * (one per delay queue the pipeline declares), prefetch, the contract port, and `verify`,
 * because under the operator the pipeline owns the topology.
 */
export function queueConsumerEnv(input: QueueConsumerInput): QueueConsumerEnv {
  return {
    PORT: String(CONSUMER_PORT),
    ORDERFLOW_QUEUE: input.queue,
    ...(input.deadLetterQueue === undefined ? {} : { ORDERFLOW_DEAD_LETTER_QUEUE: input.deadLetterQueue }),
    MAX_RETRIES: String(input.retries),
    PREFETCH: String(input.prefetch),
    TOPOLOGY_MODE: 'verify',
  };
}
