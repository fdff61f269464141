import { Consumer, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka';
import { FetchIsolationLevels } from '@platformatic/kafka';
import { kafkaClientOptions, type KafkaClientSettings } from '@orderflow/kafka';
import type { OpenWindowState, WindowClockState, WindowFigures } from './windows.ts';
import type { WindowStore } from './windows.ts';

const CLOCK_KEY = 'clock';
const WINDOW_PREFIX = 'window:';

/** A changelog record to send in the same transaction as the outputs and offsets. */
export interface ChangelogRecord {
  topic: string;
  key: string;
  value: string;
}

/**
 * The changelog records for one transaction: every window it touched (with the event ids seen,
 * so a re-sent event is still recognised after a restart), a small marker for windows that
 * became final (replacing their big record under compaction), and the clock.
 */
export function changelogRecords(topic: string, store: WindowStore, touched: WindowFigures[], finals: WindowFigures[]): ChangelogRecord[] {
  const { open, clock } = store.snapshot();
  const byStart = new Map(open.map((w) => [new Date(w.start).toISOString(), w]));
  const out: ChangelogRecord[] = [];
  for (const f of touched) {
    const w = byStart.get(f.windowStart);
    if (w !== undefined) out.push({ topic, key: `${WINDOW_PREFIX}${f.windowStart}`, value: JSON.stringify(w) });
  }
  for (const f of finals) out.push({ topic, key: `${WINDOW_PREFIX}${f.windowStart}`, value: JSON.stringify({ start: Date.parse(f.windowStart), final: true }) });
  out.push({ topic, key: CLOCK_KEY, value: JSON.stringify(clock) });
  return out;
}

/**
 * Rebuilds the windows from the changelog: reads it from the beginning to its last stable
 * offset (read_committed, so nothing of an aborted transaction) and keeps the last value per
 * key. Called before consuming, after this instance's producer fenced any predecessor.
 */
export async function restoreWindows(settings: KafkaClientSettings, topic: string, store: WindowStore, group: string): Promise<{ records: number }> {
  const consumer = new Consumer({ ...kafkaClientOptions(settings), groupId: group, deserializers: stringDeserializers, maxWaitTime: 200 });
  try {
    const ends = (await consumer.listOffsets({ topics: [topic], isolationLevel: FetchIsolationLevels.READ_COMMITTED })).get(topic) ?? [];
    const pending = new Map<number, bigint>();
    ends.forEach((end, partition) => {
      if (end > 0n) pending.set(partition, end);
    });
    const latest = new Map<string, string>();
    let records = 0;
    if (pending.size > 0) {
      const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
      await new Promise<void>((resolve, reject) => {
        // Caught up when the stream's next fetch offset has passed the end for every partition:
        // that offset moves past transaction markers and aborted records too, which read_committed
        // never delivers as messages (so "saw a record at end - 1" is not a test).
        const caughtUp = (): boolean => [...pending].every(([partition, end]) => (stream.offsetsToFetch.get(`${topic}:${partition}`) ?? 0n) >= end);
        const check = (): void => {
          if (stream.readableLength === 0 && caughtUp()) setImmediate(resolve);
        };
        stream.on('error', reject);
        stream.on('data', (m) => {
          records += 1;
          latest.set(m.key, m.value);
          check();
        });
        stream.on('fetch', check);
      });
      await stream.close();
    }
    let clock: WindowClockState = { partitionTimes: {}, lastFinal: null, history: [] };
    const open: OpenWindowState[] = [];
    for (const [key, value] of latest) {
      if (key === CLOCK_KEY) clock = JSON.parse(value) as WindowClockState;
      else if (key.startsWith(WINDOW_PREFIX)) {
        const w = JSON.parse(value) as OpenWindowState & { final?: boolean };
        if (w.final !== true) open.push(w);
      }
    }
    store.restore(open, clock, Date.now());
    return { records };
  } finally {
    await consumer.close(true);
  }
}
