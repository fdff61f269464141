import kafkajs from 'kafkajs';
import { connect } from 'amqplib';
import { stackSetting } from '@orderflow/testkit';
import { fixKafkajsRequestQueueTimer } from '../src/kafka/request-queue-fix.ts';
import { ManagementClient } from '../src/rabbitmq/management-client.ts';

/** A management client for the local stack's RabbitMQ. */
export function managementClient(): ManagementClient {
  return new ManagementClient({ url: stackSetting('RABBITMQ_MANAGEMENT_URL'), user: stackSetting('RABBITMQ_USER'), password: stackSetting('RABBITMQ_PASSWORD') });
}

/** A connected Kafka admin client for the local stack's Kafka. */
export async function kafkaAdmin(): Promise<kafkajs.Admin> {
  fixKafkajsRequestQueueTimer();
  const kafka = new kafkajs.Kafka({ brokers: stackSetting('KAFKA_BROKERS').split(','), clientId: 'operator-test', logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  return admin;
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
