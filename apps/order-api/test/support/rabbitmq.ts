import { stackSetting, uniqueName } from '@orderflow/testkit';

function auth(): string {
  return `Basic ${Buffer.from(`${stackSetting('RABBITMQ_USER')}:${stackSetting('RABBITMQ_PASSWORD')}`).toString('base64')}`;
}

/** Calls the RabbitMQ management API; throws on any non-2xx answer. */
export async function management(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${stackSetting('RABBITMQ_MANAGEMENT_URL')}/api${path}`, {
    method,
    headers: { authorization: auth(), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text === '' ? undefined : JSON.parse(text);
}

/** A fresh vhost the stack user may use fully, so a test file's topology never meets another's. */
export interface TestVhost {
  name: string;
  /** AMQP URL of the stack with this vhost. */
  url: string;
  /** The same URL with another host:port (for a proxy in front of the broker). */
  urlVia(hostPort: string): string;
  messages(queue: string): Promise<number>;
  drop(): Promise<void>;
}

export async function createVhost(prefix = 'order-api-test'): Promise<TestVhost> {
  const name = uniqueName(prefix);
  const v = encodeURIComponent(name);
  await management('PUT', `/vhosts/${v}`);
  await management('PUT', `/permissions/${v}/${encodeURIComponent(stackSetting('RABBITMQ_USER'))}`, { configure: '.*', write: '.*', read: '.*' });
  const base = new URL(stackSetting('RABBITMQ_URL'));
  base.pathname = `/${v}`;
  const url = base.toString();
  return {
    name,
    url,
    urlVia(hostPort: string) {
      const u = new URL(url);
      u.host = hostPort;
      return u.toString();
    },
    async messages(queue: string) {
      const q = (await management('GET', `/queues/${v}/${encodeURIComponent(queue)}`)) as { messages?: number; messages_ready?: number };
      return q.messages ?? 0;
    },
    async drop() {
      await management('DELETE', `/vhosts/${v}`);
    },
  };
}
