// Synthetic order documents for the search benchmark, written straight into OpenSearch with
// _bulk (producing a million events through Kafka takes too long on this box): the same
// shapes the indexer writes, final states only.
import { randomUUID } from 'node:crypto';
import type { Client } from '@opensearch-project/opensearch';

import { monthlyEventIndex, type IndexNames } from '@orderflow/order-indexer/test-support';

const REGIONS = ['eu', 'us', 'asia'];
const SKUS = Array.from({ length: 200 }, (_, i) => `SKU-${['RED', 'BLUE', 'GREEN', 'TEA', 'MUG'][i % 5]}-${i}`);
const REASONS = ['card_declined', 'insufficient_funds', 'provider_timeout', 'fraud_suspected'];

/**
 * Bulk-loads orders until `events` event documents exist (≈2.5 events per order: created plus
 * status changes), spread over the last `days` days, plus one current-state document per order.
 * Returns the number of orders.
 */
export async function loadSyntheticOrders(client: Client, names: IndexNames, events: number, days: number, onProgress: (events: number) => void): Promise<number> {
  let written = 0;
  let orders = 0;
  const now = Date.now();
  while (written < events) {
    const body: Record<string, unknown>[] = [];
    let batchEvents = 0;
    while (batchEvents < 5_000 && written + batchEvents < events) {
      const orderId = randomUUID();
      const createdAt = new Date(now - Math.floor(Math.random() * days * 86_400_000));
      const items = [...new Set(Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => SKUS[Math.floor(Math.random() ** 2 * SKUS.length)]!))].map((sku) => ({
        sku,
        quantity: 1 + Math.floor(Math.random() * 4),
        unitPriceMinor: 100 + Math.floor(Math.random() * 9_900),
      }));
      const totalMinor = items.reduce((s, i) => s + i.quantity * i.unitPriceMinor, 0);
      const region = REGIONS[Math.floor(Math.random() * 3)]!;
      const r = Math.random();
      const status = r < 0.1 ? 'accepted' : r < 0.2 ? 'payment_pending' : r < 0.9 ? 'paid' : 'payment_failed';
      const common = { customerId: `cust-${Math.floor(Math.random() * 50_000)}`, region, priority: 'normal', currency: Math.random() < 0.7 ? 'EUR' : 'USD', totalMinor, items, skus: items.map((i) => i.sku) };
      const index = monthlyEventIndex(names, createdAt);
      const iso = createdAt.toISOString();
      body.push({ index: { _index: index, _id: randomUUID() } }, { eventId: randomUUID(), type: 'order.created', orderId, occurredAt: iso, indexedAt: iso, ...common });
      batchEvents += 1;
      const steps = status === 'accepted' ? [] : status === 'payment_pending' ? ['payment_pending'] : ['payment_pending', status];
      steps.forEach((to, i) => {
        body.push({ index: { _index: index, _id: randomUUID() } }, { eventId: randomUUID(), type: 'order.status_changed', orderId, occurredAt: iso, indexedAt: iso, from: i === 0 ? 'accepted' : 'payment_pending', to, version: i + 2, region });
        batchEvents += 1;
      });
      body.push(
        { index: { _index: names.orders, _id: orderId } },
        { orderId, ...common, createdAt: iso, updatedAt: iso, status, statusVersion: steps.length + 1, ...(status === 'payment_failed' && { paymentFailureReason: REASONS[Math.floor(Math.random() * REASONS.length)] }) },
      );
      orders += 1;
    }
    const res = await client.bulk({ body });
    if ((res.body as { errors: boolean }).errors) throw new Error('synthetic bulk load had item errors');
    written += batchEvents;
    onProgress(written);
  }
  return orders;
}
