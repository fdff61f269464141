import { describe, expect, it } from 'vitest';
import { loadWorkerConfig, retryDelayMs } from './config.ts';

const required = { DATABASE_URL: 'postgres://u:pw@127.0.0.1/orders', RABBITMQ_URL: 'amqp://u:pw@127.0.0.1', PROVIDER_URL: 'http://127.0.0.1:8090' };

describe('worker config', () => {
  it('applies defaults and converts numbers', () => {
    const config = loadWorkerConfig({ ...required, PREFETCH: '50' });
    expect(config).toMatchObject({ PREFETCH: 50, CONCURRENCY: 64, BATCH_SIZE: 200, MAX_RETRIES: 3, PORT: 8081 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable and never prints a credential', () => {
    let message = '';
    try {
      loadWorkerConfig({ DATABASE_URL: 'postgres://u:hunter2@h/db', PREFETCH: '0', PROVIDER_URL: 'ftp://x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/RABBITMQ_URL: is required/);
    expect(message).toMatch(/PREFETCH: .*"0"/);
    expect(message).toMatch(/PROVIDER_URL: .*"ftp:\/\/x"/);
    expect(message).not.toContain('hunter2');
  });

  it('grows the retry delays geometrically', () => {
    const config = loadWorkerConfig(required);
    expect([1, 2, 3].map((n) => retryDelayMs(config, n))).toEqual([1_000, 5_000, 25_000]);
  });
});
