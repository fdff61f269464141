import { defineError } from '@orderflow/errors';

/** The broker refused (nacked) a published message. */
export const PublishNacked = defineError<[string]>({
  code: 'MESSAGING_ERR_PUBLISH_NACKED',
  message: (exchange) => `the broker did not confirm a message published to ${exchange}`,
  statusCode: 503,
  retriable: true,
});

/** The channel or connection closed before every message of a batch was confirmed. */
export const ChannelClosed = defineError<[string]>({
  code: 'MESSAGING_ERR_CHANNEL_CLOSED',
  message: (why) => `the AMQP channel closed before the batch was confirmed: ${why}`,
  statusCode: 503,
  retriable: true,
});

/** No connection to the broker right now (it is down or being reconnected). */
export const BrokerUnavailable = defineError<[string]>({
  code: 'MESSAGING_ERR_BROKER_UNAVAILABLE',
  message: (why) => `RabbitMQ is unavailable: ${why}`,
  statusCode: 503,
  retriable: true,
});

/** A consumed message is not JSON or does not match its schema; retrying cannot help. */
export const InvalidMessage = defineError<[string, string]>({
  code: 'MESSAGING_ERR_INVALID_MESSAGE',
  message: (queue, why) => `message on ${queue} rejected: ${why}`,
  statusCode: 422,
  retriable: false,
});

/**
 * The broker returned a mandatory message: no queue is bound for its exchange and routing key,
 * so a confirm alone would have reported a message nobody will ever receive.
 */
export const Unroutable = defineError<[string, string, string]>({
  code: 'MESSAGING_ERR_UNROUTABLE',
  message: (exchange, routingKey, reply) => `RabbitMQ returned a message published to exchange ${exchange} with routing key ${routingKey} (${reply}): no queue is bound for it`,
  statusCode: 503,
  retriable: true,
});

/** The broker did not confirm a batch within the publisher's deadline (memory alarm, flow control, a stalled link). */
export const ConfirmTimeout = defineError<[number, number]>({
  code: 'MESSAGING_ERR_CONFIRM_TIMEOUT',
  message: (ms, count) => `RabbitMQ did not confirm a batch of ${count} message(s) within ${ms} ms`,
  statusCode: 503,
  retriable: true,
});

/** Declaring the topology a publisher publishes into failed (missing permission, conflicting arguments, broker down). */
export const TopologyFailed = defineError<[string]>({
  code: 'MESSAGING_ERR_TOPOLOGY_FAILED',
  message: (why) => `declaring the RabbitMQ topology before publishing failed: ${why}`,
  statusCode: 503,
  retriable: true,
});
