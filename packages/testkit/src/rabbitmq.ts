import { stackSetting } from './stack-env.ts';
import { uniqueName } from './wait-for.ts';

function auth(): string {
  return `Basic ${Buffer.from(`${stackSetting('RABBITMQ_USER')}:${stackSetting('RABBITMQ_PASSWORD')}`).toString('base64')}`;
}

/** Calls the local RabbitMQ's management API; throws on any non-2xx answer. */
export async function rabbitmqManagement(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${stackSetting('RABBITMQ_MANAGEMENT_URL')}/api${path}`, {
    method,
    headers: { authorization: auth(), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text === '' ? undefined : JSON.parse(text);
}

/** A message as the management API shows it (`POST /queues/:vhost/:queue/get`). */
export interface PeekedMessage {
  payload: string;
  properties: { message_id?: string; headers?: Record<string, unknown> };
}

/** A vhost of its own for one test file, so its topology never meets another's. */
export interface TestVhost {
  name: string;
  /** AMQP URL of the local broker with this vhost. */
  url: string;
  /** The same URL through another host:port (a proxy the test controls). */
  urlVia(hostPort: string): string;
  /** Messages in a queue; the management API's counts lag by a stats interval (poll them). */
  messages(queue: string): Promise<number>;
  /** Reads up to `count` messages and puts them back. */
  peek(queue: string, count: number): Promise<PeekedMessage[]>;
  drop(): Promise<void>;
}

/** Creates a fresh vhost on the local broker that the stack user may use fully. */
export async function createTestVhost(prefix: string): Promise<TestVhost> {
  const name = uniqueName(prefix);
  const v = encodeURIComponent(name);
  await rabbitmqManagement('PUT', `/vhosts/${v}`);
  await rabbitmqManagement('PUT', `/permissions/${v}/${encodeURIComponent(stackSetting('RABBITMQ_USER'))}`, {
    configure: '.*',
    write: '.*',
    read: '.*',
  });
  const base = new URL(stackSetting('RABBITMQ_URL'));
  base.pathname = `/${v}`;
  const url = base.toString();
  return {
    name,
    url,
    urlVia(hostPort) {
      const u = new URL(url);
      u.host = hostPort;
      return u.toString();
    },
    async messages(queue) {
      const q = (await rabbitmqManagement('GET', `/queues/${v}/${encodeURIComponent(queue)}`)) as { messages?: number };
      return q.messages ?? 0;
    },
    async peek(queue, count) {
      return (await rabbitmqManagement('POST', `/queues/${v}/${encodeURIComponent(queue)}/get`, {
        count,
        ackmode: 'ack_requeue_true',
        encoding: 'auto',
        truncate: 50_000,
      })) as PeekedMessage[];
    },
    async drop() {
      await rabbitmqManagement('DELETE', `/vhosts/${v}`);
    },
  };
}
