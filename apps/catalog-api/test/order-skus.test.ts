import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestVhost, freePort, stackEnv, waitFor, type TestDatabase, type TestVhost } from '@orderflow/testkit';
import { createHarness, productBody, type Harness } from './support/harness.ts';

const ORDER_API = fileURLToPath(new URL('../../order-api', import.meta.url));

// Intake does not call the catalog: taking orders never depends on the catalog being up or
// knowing the SKU. order-api runs as its own process (as deployed); the catalog is not running.
describe('orders and catalog SKUs', () => {
  let catalog: Harness;
  let ordersDb: TestDatabase;
  let vhost: TestVhost;
  let orderApi: ChildProcess;
  let orderApiUrl: string;
  beforeAll(async () => {
    catalog = await createHarness();
    ordersDb = await createTestDatabase('catalog_orders_test');
    vhost = await createTestVhost('catalog-orders-test');
    const port = await freePort();
    orderApiUrl = `http://127.0.0.1:${port}`;
    orderApi = spawn(process.execPath, ['src/main.ts'], {
      cwd: ORDER_API,
      env: { ...process.env, ...stackEnv(), DATABASE_URL: ordersDb.url, RABBITMQ_URL: vhost.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RELAY_ENABLED: 'false', PROMETHEUS_TARGETS_DIR: '' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor(async () => (await fetch(`${orderApiUrl}/readyz`)).ok, { what: 'order-api to be ready', timeoutMs: 60_000, intervalMs: 200 });
  });
  afterAll(async () => {
    if (orderApi !== undefined && orderApi.exitCode === null) {
      orderApi.kill('SIGTERM');
      await once(orderApi, 'exit');
    }
    await catalog?.close();
    await ordersDb?.drop();
    await vhost?.drop();
  });

  it('order-api accepts an order for a SKU the catalog answers 404 for', async () => {
    const sku = productBody().sku;
    const order = await fetch(`${orderApiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'c-1', region: 'eu', currency: 'EUR', items: [{ sku, quantity: 1, unitPriceMinor: 999 }] }),
    });
    expect(order.status).toBe(201);
    expect(await order.json()).toMatchObject({ status: 'accepted', items: [{ sku }] });

    const product = await catalog.app.inject({ url: `/products/${sku}` });
    expect(product.statusCode).toBe(404);
    expect(product.json().code).toBe('CATALOG_ERR_PRODUCT_NOT_FOUND');
  });

  it('a SKU valid in an order is a valid catalog SKU (one schema), so the two can be joined later', async () => {
    const sku = 'Mug.Large_2-blue';
    const created = await catalog.app.inject({ method: 'POST', url: '/products', payload: productBody({ sku }) });
    expect(created.statusCode).toBe(201);
    const order = await fetch(`${orderApiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'c-2', region: 'eu', currency: 'EUR', items: [{ sku, quantity: 2, unitPriceMinor: 1250 }] }),
    });
    expect(order.status).toBe(201);
  });
});
