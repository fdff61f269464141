import { randomUUID } from 'node:crypto';
import { waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postKindOrder } from './kind-orders.ts';
import { portForwardTo, type PortForward } from './port-forward.ts';

interface BoardOrder {
  orderId: string;
  status: string;
  version: number;
}
type BoardMessage = { kind: 'snapshot'; seq: number; orders: BoardOrder[] } | { kind: 'order'; seq: number; data: BoardOrder } | { kind: string };

// The dashboard of the platform's release (charts/orderflow, dashboard.enabled in the dev values)
// fed by order-api and payment-worker on kind through RabbitMQ, reached through kubectl
// port-forward (kind-config.yaml maps no host port to it: that needs a cluster re-create).
describe('dashboard on kind', () => {
  let forward: PortForward;
  let socket: WebSocket | undefined;
  beforeAll(async () => {
    forward = await portForwardTo('dashboard');
  });
  afterAll(() => {
    socket?.close();
    forward?.close();
  });

  it('is ready and serves the board page', async () => {
    const ready = await fetch(`${forward.url}/readyz`);
    expect(ready.status).toBe(200);
    const page = await fetch(`${forward.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('id="orders"');
  });

  it('pushes the status changes of an order posted to order-api over its WebSocket', async () => {
    const messages: BoardMessage[] = [];
    socket = new WebSocket(`${forward.url.replace(/^http/, 'ws')}/board/ws`);
    socket.addEventListener('message', (event) => messages.push(JSON.parse(String(event.data)) as BoardMessage));
    await waitFor(() => messages.some((m) => m.kind === 'snapshot'), { timeoutMs: 30_000, intervalMs: 100, what: 'the board snapshot on the WebSocket' });

    const id = await postKindOrder(`kind-board-${randomUUID()}`);
    const seen = (status: string): boolean => messages.some((m) => m.kind === 'order' && 'data' in m && m.data.orderId === id && m.data.status === status);
    // accepted (order.created), then paid (order.status-changed from payment-worker).
    await waitFor(() => seen('paid'), { timeoutMs: 90_000, intervalMs: 250, what: `order ${id} shown paid on the board` });
    expect(messages[0]!.kind).toBe('snapshot');

    // A browser that connects now gets it in the snapshot (what the page resynchronises from).
    const snapshot = await (await fetch(`${forward.url}/board/snapshot`)).json() as { orders: BoardOrder[] };
    expect(snapshot.orders.find((o) => o.orderId === id)?.status).toBe('paid');
  });
});
