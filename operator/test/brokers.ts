import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { connect } from 'amqplib';
import { stackSetting } from '@orderflow/testkit';
import { ManagementClient } from '../src/rabbitmq/management-client.ts';

/** A management client for the local stack's RabbitMQ. */
export function managementClient(): ManagementClient {
  return new ManagementClient({ url: stackSetting('RABBITMQ_MANAGEMENT_URL'), user: stackSetting('RABBITMQ_USER'), password: stackSetting('RABBITMQ_PASSWORD') });
}

/** A Kafka admin client for the local stack's Kafka (it connects on first use). */
export function kafkaAdmin(): Admin {
  return new Admin({ bootstrapBrokers: stackSetting('KAFKA_BROKERS').split(','), clientId: 'operator-test', autocreateTopics: false });
}

/** Produces keyed string records to an existing topic (acks from all in-sync replicas). */
export async function produce(topic: string, records: { key: string; value: string }[]): Promise<void> {
  const producer = new Producer({ bootstrapBrokers: stackSetting('KAFKA_BROKERS').split(','), clientId: 'operator-test-producer', serializers: stringSerializers, autocreateTopics: false });
  try {
    await producer.send({ messages: records.map((r) => ({ topic, key: r.key, value: r.value })), acks: -1 });
  } finally {
    await producer.close();
  }
}

/** Sets a consumer group's committed offset on every partition of `topic` (the group must be idle). */
export async function commitOffsets(admin: Admin, group: string, topic: string, offsets: { partition: number; offset: bigint }[]): Promise<void> {
  await admin.alterConsumerGroupOffsets({ groupId: group, topics: [{ name: topic, partitionOffsets: offsets }] });
}

/** Deletes a test vhost (and everything in it) through the management API. */
export async function deleteVhost(vhost: string): Promise<void> {
  const auth = Buffer.from(`${stackSetting('RABBITMQ_USER')}:${stackSetting('RABBITMQ_PASSWORD')}`).toString('base64');
  await fetch(`${stackSetting('RABBITMQ_MANAGEMENT_URL')}/api/vhosts/${encodeURIComponent(vhost)}`, { method: 'DELETE', headers: { authorization: `Basic ${auth}` } });
}

function managementAuth(): string {
  return `Basic ${Buffer.from(`${stackSetting('RABBITMQ_USER')}:${stackSetting('RABBITMQ_PASSWORD')}`).toString('base64')}`;
}

/** Publishes one persistent message straight into a queue (default exchange), with a confirm. */
export async function publishTo(vhost: string, queue: string, body: string): Promise<void> {
  const conn = await connect(`${stackSetting('RABBITMQ_URL')}/${encodeURIComponent(vhost)}`);
  try {
    const ch = await conn.createConfirmChannel();
    ch.sendToQueue(queue, Buffer.from(body), { persistent: true });
    await ch.waitForConfirms();
  } finally {
    await conn.close();
  }
}

/** Empties a queue through the management API. */
export async function purgeQueue(vhost: string, queue: string): Promise<void> {
  const res = await fetch(`${stackSetting('RABBITMQ_MANAGEMENT_URL')}/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(queue)}/contents`, { method: 'DELETE', headers: { authorization: managementAuth() } });
  if (!res.ok && res.status !== 404) throw new Error(`purging ${queue}: HTTP ${res.status}`);
}
