import { Admin } from '@platformatic/kafka';
import { createTestVhost, stackSetting, uniqueName, type TestVhost } from '@orderflow/testkit';
import { Redis } from 'ioredis';

/** Everything one test file's boards use, apart from every other test's: vhost, Redis prefix, topics, group. */
export interface BoardEnv {
  vhost: TestVhost;
  /** Redis key prefix (with its own hash tag). */
  prefix: string;
  statsTopic: string;
  alertsTopic: string;
  groupId: string;
  /** A Redis connection for the test's own reads and writes. */
  redis: Redis;
  /** The environment a dashboard process of this board runs with. */
  dashboardEnv(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

/** Creates the vhost and the two aggregator topics (with an admin client: never broker auto-create). */
export async function createBoardEnv(name: string): Promise<BoardEnv> {
  const vhost = await createTestVhost(name);
  const id = uniqueName(name);
  const prefix = `{${id}}:`;
  const statsTopic = `${id}.order-stats`;
  const alertsTopic = `${id}.order-alerts`;
  const brokers = stackSetting('KAFKA_BROKERS').split(',');
  const admin = new Admin({ clientId: `${id}-admin`, bootstrapBrokers: brokers });
  await admin.createTopics({ topics: [statsTopic, alertsTopic], partitions: 2, replicas: 1 });
  await admin.close();
  const redis = new Redis(stackSetting('REDIS_URL'));
  return {
    vhost,
    prefix,
    statsTopic,
    alertsTopic,
    groupId: `${id}-dashboard`,
    redis,
    dashboardEnv(extra = {}) {
      return {
        RABBITMQ_URL: vhost.url,
        REDIS_URL: stackSetting('REDIS_URL'),
        KAFKA_BROKERS: stackSetting('KAFKA_BROKERS'),
        REDIS_PREFIX: prefix,
        KAFKA_STATS_TOPIC: statsTopic,
        KAFKA_ALERTS_TOPIC: alertsTopic,
        KAFKA_GROUP_ID: `${id}-dashboard`,
        HEARTBEAT_MS: '1000',
        ...extra,
      };
    },
    async close() {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      const cleanup = new Admin({ clientId: `${id}-cleanup`, bootstrapBrokers: brokers });
      await cleanup.deleteTopics({ topics: [statsTopic, alertsTopic] }).catch(() => undefined);
      await cleanup.close();
      await vhost.drop();
    },
  };
}
