// Declares the order stream's topics on a local broker, as the OrderPipeline does in a cluster
// (hack/run calls it before starting order-api and the aggregator). Existing topics are left
// as they are; partitions only grow.
//   KAFKA_BROKERS=127.0.0.1:9092 node scripts/ensure-topics.ts [--order-events-partitions 6]
import { parseArgs } from 'node:util';
import { TOPICS, createAdmin, ensureTopics, growPartitions } from '@orderflow/kafka';

const { values } = parseArgs({ options: { 'order-events-partitions': { type: 'string', default: '6' } } });
const brokers = process.env.KAFKA_BROKERS;
if (brokers === undefined || brokers === '') {
  console.error('KAFKA_BROKERS is required (hack/stack env prints it)');
  process.exit(2);
}
const partitions = Number(values['order-events-partitions']);
const admin = createAdmin({ brokers: brokers.split(','), clientId: 'ensure-topics' });
try {
  await ensureTopics(admin, [
    { name: TOPICS.orderEvents, partitions },
    { name: TOPICS.orderStats, partitions: 1 },
    { name: TOPICS.orderAlerts, partitions: 1 },
    { name: TOPICS.orderEventsDeadLetter, partitions: 1 },
    { name: TOPICS.aggregatorChangelog, partitions: 1, configs: { 'cleanup.policy': 'compact' } },
  ]);
  await growPartitions(admin, TOPICS.orderEvents, partitions);
  console.log(`topics ready: ${Object.values(TOPICS).join(', ')}`);
} finally {
  await admin.close();
}
