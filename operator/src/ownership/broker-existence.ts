import { KafkaAdminFailed } from '../errors.ts';
import type { KafkaAdminSession } from '../kafka/admin-session.ts';
import type { ManagementClient } from '../rabbitmq/management-client.ts';
import { brokerNameKey, type BrokerName } from './broker-names.ts';

/**
 * Which of `names` exist on the brokers now (as {@link brokerNameKey} keys): asked before a
 * name is first claimed, to tell an object the pipeline creates from one it adopts.
 */
export async function existingBrokerNames(brokers: { rabbit: ManagementClient | undefined; kafka: KafkaAdminSession | undefined }, names: readonly BrokerName[]): Promise<Set<string>> {
  const found = new Set<string>();
  const topics = names.filter((n) => n.kind === 'topic');
  const rabbitNames = names.filter((n) => n.kind !== 'topic');
  await Promise.all([
    (async () => {
      if (topics.length === 0 || brokers.kafka === undefined) return;
      let listed: Set<string>;
      try {
        listed = new Set(await brokers.kafka.use(async (admin) => admin.listTopics()));
      } catch (err) {
        throw new KafkaAdminFailed(['listing topics', err instanceof Error ? err.message : String(err)], { cause: err });
      }
      for (const t of topics) if (listed.has(t.name)) found.add(brokerNameKey(t));
    })(),
    ...rabbitNames.map(async (n) => {
      const rabbit = brokers.rabbit;
      if (rabbit === undefined) return;
      const vhost = n.vhost ?? '/';
      const there = n.kind === 'queue' ? await rabbit.getQueue(vhost, n.name) : await rabbit.getExchange(vhost, n.name);
      if (there !== undefined) found.add(brokerNameKey(n));
    }),
  ]);
  return found;
}
