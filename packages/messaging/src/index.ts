export { AmqpConnection } from './connection.ts';
export type { AmqpConnectionOptions, ConnectionLogger } from './connection.ts';
export { startConsumer, parseMessage } from './consumer.ts';
export type { Consumer, ConsumerOptions, FailureAction } from './consumer.ts';
export { BrokerUnavailable, ChannelClosed, InvalidMessage, PublishNacked } from './errors.ts';
export { ConfirmTimeout, TopologyFailed, Unroutable } from './errors.ts';
export { registerFormats } from './formats.ts';
export { messagingMetrics } from './metrics.ts';
export type { MessagingMetrics } from './metrics.ts';
export { publisherMetrics } from './metrics.ts';
export type { PublisherMetrics } from './metrics.ts';
export { EVENT_TYPES, EXCHANGES, HEADERS, QUEUES, logRoutingKey } from './names.ts';
export { ConfirmPublisher } from './publisher.ts';
export type { ConfirmPublisherOptions, OutgoingMessage } from './publisher.ts';
export {
  CURRENCIES,
  Currency,
  LogEvent,
  ORDER_STATUSES,
  Order,
  OrderCreatedEvent,
  OrderItem,
  OrderStatus,
  OrderStatusChangedEvent,
  PRIORITIES,
  Priority,
  REGIONS,
  Region,
} from './schemas.ts';
export { DEFAULT_PAYMENT_RETRY_DELAYS_MS, declareOrderTopology, requiresSubscriber } from './topology.ts';
export type { OrderTopologyOptions } from './topology.ts';
