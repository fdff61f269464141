import { readFileSync } from 'node:fs';
import amqp from 'amqplib';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const url = stackSetting('RABBITMQ_URL');
const management = stackSetting('RABBITMQ_MANAGEMENT_URL');
const auth = `Basic ${Buffer.from(`${stackSetting('RABBITMQ_USER')}:${stackSetting('RABBITMQ_PASSWORD')}`).toString('base64')}`;

async function queueInfo(name: string): Promise<{ messages: number; durable: boolean }> {
  const res = await fetch(`${management}/api/queues/%2F/${encodeURIComponent(name)}`, { headers: { authorization: auth } });
  if (!res.ok) throw new Error(`management API ${res.status}`);
  return (await res.json()) as { messages: number; durable: boolean };
}

describe('RabbitMQ (real broker)', () => {
  const queue = uniqueName('smoke');
  let connection: amqp.ChannelModel | undefined;
  afterAll(async () => {
    await connection?.close();
  });

  it('publishes persistent messages with confirms and consumes them with manual acks', async () => {
    connection = await amqp.connect(url);
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    for (let i = 0; i < 50; i++) {
      channel.publish('', queue, Buffer.from(JSON.stringify({ i })), { persistent: true, contentType: 'application/json' });
    }
    await channel.waitForConfirms();
    const info = await waitFor(async () => {
      const q = await queueInfo(queue);
      return q.messages === 50 ? q : undefined;
    }, { what: '50 messages visible in the management API' });
    expect(info.durable).toBe(true);

    const consumer = await connection.createChannel();
    await consumer.prefetch(10);
    const seen: number[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .consume(queue, (msg) => {
          if (msg === null) return;
          seen.push((JSON.parse(msg.content.toString()) as { i: number }).i);
          consumer.ack(msg);
          if (seen.length === 50) resolve();
        }, { noAck: false })
        .catch(reject);
    });
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await waitFor(async () => (await queueInfo(queue)).messages === 0, { what: 'queue drained after acks' });
    await consumer.close();
    await channel.deleteQueue(queue);
  });

  it('rejects bad credentials with a clear error', async () => {
    const bad = new URL(url);
    bad.password = 'not-the-password';
    await expect(amqp.connect(bad.toString())).rejects.toThrow(/ACCESS_REFUSED|403/);
  });
});

/** Local addresses of the TCP sockets listening on `port`, from /proc/net/tcp and tcp6. */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const [file, v6] of [['/proc/net/tcp', false], ['/proc/net/tcp6', true]] as const) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (local === undefined || state !== '0A') continue;
      const [addr = '', p] = local.split(':');
      if (p !== hexPort) continue;
      // The kernel prints each 32-bit word of the address in host (little-endian) order.
      const words = addr.match(/.{8}/g) ?? [];
      const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
      out.push(v6 ? (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255 ? bytes.slice(12).join('.') : bytes.every((b, i) => b === (i === 15 ? 1 : 0)) ? '::1' : `v6:${addr}`) : bytes.join('.'));
    }
  }
  return out;
}

describe('RabbitMQ listens on loopback only', () => {
  it('every listener of the node (AMQP, management, metrics, Erlang distribution) and epmd is bound to loopback', async () => {
    const res = await fetch(`${management}/api/overview`, { headers: { authorization: auth } });
    const overview = (await res.json()) as { listeners: { protocol: string; port: number }[] };
    const ports = [...overview.listeners.map((l) => ({ what: l.protocol, port: l.port })), { what: 'epmd', port: 4369 }];
    expect(ports.map((p) => p.what)).toContain('clustering');
    const exposed = ports.flatMap(({ what, port }) => {
      const addresses = listeningAddresses(port);
      if (addresses.length === 0) return [`${what} (${port}): no listening socket found`];
      return addresses.filter((a) => !(a.startsWith('127.') || a === '::1')).map((a) => `${what} (${port}) on ${a}`);
    });
    expect(exposed).toEqual([]);
  });
});
