import type { Channel, GetMessage } from 'amqplib';
import { waitFor } from '@orderflow/testkit';

/** Takes exactly `count` messages from `queue` (acking them), waiting for them to arrive. */
export async function takeMessages(channel: Channel, queue: string, count: number): Promise<GetMessage[]> {
  const got: GetMessage[] = [];
  await waitFor(
    async () => {
      for (;;) {
        const m = await channel.get(queue, { noAck: true });
        if (m === false) break;
        got.push(m);
      }
      return got.length >= count;
    },
    { what: `${count} messages on ${queue} (have ${got.length})`, timeoutMs: 30_000 },
  );
  return got;
}

export function bodyOf<T = Record<string, unknown>>(m: GetMessage): T {
  return JSON.parse(m.content.toString('utf8')) as T;
}
