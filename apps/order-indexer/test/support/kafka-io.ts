import { createIdempotentProducer, ORDER_EVENT_HEADERS, type KafkaClientSettings } from '@orderflow/kafka';

/** An event as the outbox relay writes it to `order-events`. */
export interface EventRecord {
  eventId: string;
  orderId: string;
  type: string;
}

/**
 * Produces records to `topic` the way order-api's relay does (key = order id, headers
 * event-id and event-type, value = the event JSON), in chunks; `raw` values go as they are.
 */
export async function produceEvents(settings: KafkaClientSettings, topic: string, events: readonly (EventRecord | { raw: string; key: string })[]): Promise<void> {
  const producer = createIdempotentProducer(settings);
  try {
    for (let i = 0; i < events.length; i += 500) {
      await producer.send({
        messages: events.slice(i, i + 500).map((e) =>
          'raw' in e
            ? { topic, key: e.key, value: e.raw }
            : {
                topic,
                key: e.orderId,
                value: JSON.stringify(e),
                headers: new Map([
                  [ORDER_EVENT_HEADERS.eventId, e.eventId],
                  [ORDER_EVENT_HEADERS.eventType, e.type],
                ]),
              },
        ),
      });
    }
  } finally {
    await producer.close();
  }
}
