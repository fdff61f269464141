import { randomUUID } from 'node:crypto';
import type { CodedError } from '@orderflow/errors';
import { deadLetterQueueName } from '@orderflow/consumer-contract';
import { HEADERS, QUEUES, type OutgoingMessage } from '@orderflow/messaging';
import { injectTraceContext } from '@orderflow/telemetry';
import type { ConsumeMessage } from 'amqplib';
import { PAYMENT_HEADERS } from './headers.ts';

/**
 * The exchange every copy is published to: the default one, which routes to the queue named
 * by the routing key. Retry, parked and dead-letter copies go straight to their queue by name,
 * so the worker needs no exchange of its own and the same publish works whether it declared
 * the queues or an OrderPipeline did (docs/operator.md, "The operator and the apps it runs").
 */
export const DEFAULT_EXCHANGE = '';

/** A copy of a delivery to publish, and the id it carries. */
export interface Copy {
  message: OutgoingMessage;
  copyId: string;
}

/** The copy id a delivery carries (none for a message straight from the relay). */
export function copyIdOf(message: ConsumeMessage): string | undefined {
  const id: unknown = message.properties.headers?.[PAYMENT_HEADERS.copyId];
  return typeof id === 'string' ? id : undefined;
}

/**
 * The message again under a new copy id, with its own properties and headers (x-death kept so
 * retries add up). Made inside the span that handled the delivery, the copy names that span as
 * its parent: the retry, the park or the dead letter continues the order's trace.
 */
export function copyOf(message: ConsumeMessage, exchange: string, routingKey: string, extraHeaders: Record<string, unknown> = {}): Copy {
  const p = message.properties;
  const copyId = randomUUID();
  return {
    copyId,
    message: {
      exchange,
      routingKey,
      body: message.content,
      messageId: typeof p.messageId === 'string' ? p.messageId : '',
      type: typeof p.type === 'string' ? p.type : 'unknown',
      headers: { ...(p.headers ?? {}), ...extraHeaders, ...injectTraceContext(), [PAYMENT_HEADERS.copyId]: copyId },
      ...(typeof p.timestamp === 'number' ? { timestamp: p.timestamp * 1000 } : {}),
    },
  };
}

/** The dead letter of a delivery from `sourceQueue`, with why it died (replay reads the source back). */
export function deadLetterOf(message: ConsumeMessage, reason: CodedError, sourceQueue: string): Copy {
  return copyOf(message, DEFAULT_EXCHANGE, deadLetterQueueName(QUEUES.payments), {
    [HEADERS.deadReason]: reason.message,
    [PAYMENT_HEADERS.errorCode]: reason.code,
    [PAYMENT_HEADERS.deadAt]: new Date().toISOString(),
    [PAYMENT_HEADERS.sourceQueue]: sourceQueue,
  });
}
