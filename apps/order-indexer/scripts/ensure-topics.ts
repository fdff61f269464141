// Declares the indexer's dead-letter topic on a local broker, as the OrderPipeline does in a
// cluster (hack/run calls it after the order stream's topics exist). Existing topics are left
// as they are; never broker auto-creation.
//   KAFKA_BROKERS=127.0.0.1:9092 node scripts/ensure-topics.ts
import { createAdmin, ensureTopics } from '@orderflow/kafka';

const DEAD_LETTER_TOPIC = process.env.DEAD_LETTER_TOPIC ?? 'order-indexer.dlt';
const brokers = process.env.KAFKA_BROKERS;
if (brokers === undefined || brokers === '') {
  console.error('KAFKA_BROKERS is required (hack/stack env prints it)');
  process.exit(2);
}
const admin = createAdmin({ brokers: brokers.split(','), clientId: 'order-indexer-ensure-topics' });
try {
  await ensureTopics(admin, [{ name: DEAD_LETTER_TOPIC, partitions: 1 }]);
  console.log(`topic ready: ${DEAD_LETTER_TOPIC}`);
} finally {
  await admin.close();
}
