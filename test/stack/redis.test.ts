import { Redis } from 'ioredis';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const url = stackSetting('REDIS_URL');

describe('Redis (real server)', () => {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const subscriber = new Redis(url, { lazyConnect: true });
  afterAll(async () => {
    await Promise.all([client.quit(), subscriber.quit()]);
  });

  it('sets and gets with a TTL', async () => {
    await client.connect();
    const key = uniqueName('smoke');
    await client.set(key, 'value', 'EX', 60);
    expect(await client.get(key)).toBe('value');
    expect(await client.ttl(key)).toBeGreaterThan(0);
    await client.del(key);
    expect(await client.get(key)).toBeNull();
  });

  it('delivers pub/sub messages', async () => {
    await subscriber.connect();
    const channel = uniqueName('smoke-channel');
    const messages: string[] = [];
    subscriber.on('message', (ch: string, message: string) => {
      if (ch === channel) messages.push(message);
    });
    await subscriber.subscribe(channel);
    for (let i = 0; i < 5; i++) await client.publish(channel, `m${i}`);
    await waitFor(() => messages.length === 5, { what: '5 pub/sub messages' });
    expect(messages).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('refuses a client without the password', async () => {
    const anonymous = new Redis(url.replace(/\/\/:[^@]*@/, '//'), { lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0 });
    anonymous.on('error', () => undefined);
    await anonymous.connect();
    await expect(anonymous.get('anything')).rejects.toThrow(/NOAUTH/);
    anonymous.disconnect();
  });
});
