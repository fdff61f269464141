import { Producer, stringSerializers } from '@platformatic/kafka';
import type { BoardEnv, OrderSource } from '@orderflow/dashboard/test-support';
import { stackSetting } from '@orderflow/testkit';

const MINUTE = 60_000;

/**
 * Gives the board something to show for the screenshot: orders in every status, a few minutes
 * of statistics and two alerts, all through the real paths (order-status, Kafka topics).
 */
export async function stageBoardScene(env: BoardEnv, source: OrderSource, ids: readonly string[]): Promise<void> {
  const fresh = await source.createOrders(12);
  await source.changeStatuses(fresh.slice(0, 9).map((orderId) => ({ orderId, status: 'payment_pending' as const })));
  await source.changeStatuses(fresh.slice(0, 5).map((orderId) => ({ orderId, status: 'paid' as const })));
  await source.changeStatuses(fresh.slice(5, 7).map((orderId) => ({ orderId, status: 'payment_failed' as const, reason: 'card declined' })));
  void ids;

  const producer = new Producer({ clientId: 'board-scene', bootstrapBrokers: stackSetting('KAFKA_BROKERS').split(','), serializers: stringSerializers, autocreateTopics: false });
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const messages = [];
  for (let m = 4; m >= 0; m--) {
    const start = now - m * MINUTE;
    const count = [412, 455, 1310, 398, 233][4 - m]!;
    const windowStart = new Date(start).toISOString();
    messages.push({
      topic: env.statsTopic,
      key: windowStart,
      value: JSON.stringify({ windowStart, windowEnd: new Date(start + MINUTE).toISOString(), orderCount: count, tps: count / 60, revenueMinorByCurrency: { EUR: count * 2_350 }, final: m > 0, emittedAt: new Date().toISOString() }),
    });
  }
  const spike = new Date(now - 2 * MINUTE).toISOString();
  const dip = new Date(now).toISOString();
  messages.push(
    { topic: env.alertsTopic, key: `sigma_high:${spike}`, value: JSON.stringify({ alertId: `sigma_high:${spike}`, kind: 'sigma_high', windowStart: spike, observed: 1310, expected: 430, threshold: 880, message: '1,310 orders in a minute: 3σ above the mean of 430', emittedAt: new Date().toISOString() }) },
    { topic: env.alertsTopic, key: `threshold_low:${dip}`, value: JSON.stringify({ alertId: `threshold_low:${dip}`, kind: 'threshold_low', windowStart: dip, observed: 233, expected: null, threshold: 300, message: '233 orders so far this minute, below the 300 floor', emittedAt: new Date().toISOString() }) },
  );
  await producer.send({ messages });
  await producer.close();
}
