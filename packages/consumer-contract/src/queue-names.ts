/**
 * Names of the queues that serve a work queue, one naming for the operator (which declares
 * them from a pipeline) and the consumers (which publish retries and dead letters to them, and
 * check they exist). A consumer reaches them through the default exchange, by name, so the
 * same publish works whoever declared them.
 */

/** Delay queue of retry `attempt` (1-based): `<queue>.retry.<attempt>`. */
export function retryQueueName(queue: string, attempt: number): string {
  return `${queue}.retry.${attempt}`;
}

/** Dead-letter queue of a work queue: `<queue>.dlq`. */
export function deadLetterQueueName(queue: string): string {
  return `${queue}.dlq`;
}
