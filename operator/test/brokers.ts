import kafkajs from 'kafkajs';
import { stackSetting } from '@orderflow/testkit';
import { ManagementClient } from '../src/rabbitmq/management-client.ts';

/** A management client for the local stack's RabbitMQ. */
export function managementClient(): ManagementClient {
  return new ManagementClient({ url: stackSetting('RABBITMQ_MANAGEMENT_URL'), user: stackSetting('RABBITMQ_USER'), password: stackSetting('RABBITMQ_PASSWORD') });
}

/** A connected Kafka admin client for the local stack's Kafka. */
export async function kafkaAdmin(): Promise<kafkajs.Admin> {
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
