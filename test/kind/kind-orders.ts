import { randomUUID } from 'node:crypto';
import { kindSetting } from './kind-env.ts';

/** An order line as order-api takes it. */
export interface KindOrderItem {
  sku: string;
  quantity: number;
  unitPriceMinor: number;
}

/** Posts one order to order-api's NodePort on kind; resolves its id, throws on any other answer than 201. */
export async function postKindOrder(customerId: string, currency = 'EUR', items: KindOrderItem[] = [{ sku: 'kind-test', quantity: 2, unitPriceMinor: 1250 }]): Promise<string> {
  const res = await fetch(`${kindSetting('KIND_ORDER_API_URL')}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ customerId, region: 'eu', currency, items }),
  });
  if (res.status !== 201) throw new Error(`POST /orders answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}
