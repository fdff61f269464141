import { parseArgs } from 'node:util';
import { Type, env, loadConfig } from '@orderflow/config';
import { AmqpConnection, ConfirmPublisher } from '@orderflow/messaging';
import { replayDeadLetters } from './replay.ts';

// npm run -w @orderflow/payment-worker replay-dlq -- [--limit N] [--dry-run]
const { values } = parseArgs({
  options: { limit: { type: 'string', default: '100' }, 'dry-run': { type: 'boolean', default: false } },
});
const limit = Number(values.limit);
if (!Number.isInteger(limit) || limit < 1) {
  process.stderr.write(`--limit must be a positive whole number, got ${values.limit}\n`);
  process.exit(2);
}
const config = loadConfig(Type.Object({ RABBITMQ_URL: env.url(['amqp', 'amqps']) }));
const connection = await AmqpConnection.open(config.RABBITMQ_URL, { name: 'payment-worker-replay-dlq' });
const publisher = new ConfirmPublisher(connection);
try {
  const result = await replayDeadLetters(connection, publisher, { limit, dryRun: values['dry-run'] });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await publisher.close();
  await connection.close();
}
