import { DEAD_LETTER_HEADERS, type OrderAlertRecord, type OrderStatsRecord } from '@orderflow/kafka';
import { detectAnomalies, type AnomalyRules } from './anomalies.ts';
import { changelogRecords } from './changelog.ts';
import { parseOrderEvent } from './event-parser.ts';
import type { AddOutcome, WindowStore } from './windows.ts';

/** One consumed record, as the transform needs it. */
export interface InputRecord {
  key: string | undefined;
  value: string | undefined;
  headers: Map<string, string>;
  topic: string;
  partition: number;
  offset: bigint;
}

/** Where the outputs go. */
export interface OutputTopics {
  stats: string;
  alerts: string;
  deadLetter: string;
  changelog: string;
}

/** Everything one batch produces, to send in one transaction. */
export interface BatchOutput {
  messages: { topic: string; key: string; value: string; headers?: Record<string, string> }[];
  stats: OrderStatsRecord[];
  alerts: OrderAlertRecord[];
  outcomes: Record<AddOutcome | 'dead_lettered', number>;
  /** What became of each input record, in batch order (its trace span records it). */
  recordOutcomes: (AddOutcome | 'dead_lettered')[];
}

/**
 * The transform of consume-transform-produce, without I/O: folds a batch into the windows and
 * returns the records to produce (stats updates, final windows, alerts, dead letters, changelog).
 * A record that cannot be read goes to the dead-letter topic with its reason; it never stops
 * the batch. An empty batch is an idle tick: windows may still become final as partitions go idle.
 */
export function transformBatch(batch: InputRecord[], store: WindowStore, rules: AnomalyRules, topics: OutputTopics, now: Date): BatchOutput {
  const outcomes: BatchOutput['outcomes'] = { counted: 0, duplicate: 0, late: 0, dead_lettered: 0 };
  const messages: BatchOutput['messages'] = [];
  const recordOutcomes: BatchOutput['recordOutcomes'] = [];
  for (const record of batch) {
    const parsed = parseOrderEvent(record.value);
    if (!parsed.ok) {
      outcomes.dead_lettered += 1;
      recordOutcomes.push('dead_lettered');
      messages.push({
        topic: topics.deadLetter,
        key: record.key ?? '',
        value: record.value ?? '',
        headers: {
          ...Object.fromEntries(record.headers),
          [DEAD_LETTER_HEADERS.code]: parsed.error.code,
          [DEAD_LETTER_HEADERS.reason]: parsed.error.message,
          [DEAD_LETTER_HEADERS.sourceTopic]: record.topic,
          [DEAD_LETTER_HEADERS.sourcePartition]: String(record.partition),
          [DEAD_LETTER_HEADERS.sourceOffset]: String(record.offset),
        },
      });
      continue;
    }
    const e = parsed.event;
    const order = e.type === 'order.created' && e.currency !== undefined && e.totalMinor !== undefined ? { currency: e.currency, totalMinor: e.totalMinor } : undefined;
    const outcome = store.add(e.eventId, e.occurredAtMs, order, record.partition, now.getTime());
    outcomes[outcome] += 1;
    recordOutcomes.push(outcome);
  }

  const emittedAt = now.toISOString();
  const { updates, finals } = store.close(now.getTime());
  const stats: OrderStatsRecord[] = [];
  const alerts: OrderAlertRecord[] = [];
  for (const f of finals) {
    stats.push({ ...f.figures, emittedAt });
    for (const a of detectAnomalies(f.figures.windowStart, f.figures.orderCount, f.history, rules)) alerts.push({ ...a, emittedAt });
  }
  for (const u of updates) stats.push({ ...u, emittedAt });
  for (const s of stats) messages.push({ topic: topics.stats, key: s.windowStart, value: JSON.stringify(s) });
  for (const a of alerts) messages.push({ topic: topics.alerts, key: a.alertId, value: JSON.stringify(a) });
  // With every record read (the clock moves) and every emission: the changelog always matches
  // the offsets it is committed with. An idle tick that emits nothing writes nothing.
  if (batch.length > 0 || updates.length > 0 || finals.length > 0) messages.push(...changelogRecords(topics.changelog, store, updates, finals.map((f) => f.figures)));
  return { messages, stats, alerts, outcomes, recordOutcomes };
}
