import { ConfigResourceTypes, IncrementalAlterConfigOperationTypes, findErrorBy, type Admin } from '@platformatic/kafka';
import type { TopicDecl } from '../desired.ts';
import { KafkaAdminFailed } from '../errors.ts';
import { EVENT, REASON } from '../names.ts';
import { emptyOutcome, type ApplyOutcome } from '../outcome.ts';
import { partitionCounts, topicOffsets } from './topic-offsets.ts';

/** A topic's partitions as reported in the pipeline's status. */
export interface TopicState {
  name: string;
  partitions: number;
  desiredPartitions: number;
}

/** Result of applying a pipeline's Kafka topics. */
export interface TopicsResult extends ApplyOutcome {
  topics: TopicState[];
}

/** What to do about a topic's partitions: partitions only grow. */
export function partitionDecision(have: number, want: number): 'none' | 'grow' | 'refuse' {
  if (want === have) return 'none';
  return want > have ? 'grow' : 'refuse';
}

function kafkaError(what: string, err: unknown): Error {
  const detail = err instanceof Error ? err.message : String(err);
  return new KafkaAdminFailed([what, detail], { cause: err });
}

// @platformatic/kafka 2.12 deduplicates concurrent createPartitions calls under one key
// whatever their topics: a second pipeline growing its topic while the first one's call is in
// flight would get the first one's answer and its own request would never be sent. So the
// calls on one client go one at a time.
const partitionGrowth = new WeakMap<Admin, Promise<unknown>>();

async function growPartitions(admin: Admin, topic: string, count: number): Promise<void> {
  const before = partitionGrowth.get(admin) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(async () => admin.createPartitions({ topics: [{ name: topic, count }] }));
  partitionGrowth.set(admin, mine);
  await mine;
}

async function createTopic(admin: Admin, t: TopicDecl): Promise<void> {
  try {
    await admin.createTopics({
      topics: [{ topic: t.name, partitions: t.partitions, ...(t.replicationFactor === undefined ? {} : { replicas: t.replicationFactor }) }],
      configs: Object.entries(t.config).map(([name, value]) => ({ name, value })),
    });
  } catch (err) {
    // Another reconcile (or a restarted operator) may have created it in the meantime.
    if (!(err instanceof Error && findErrorBy(err, 'apiId', 'TOPIC_ALREADY_EXISTS'))) throw err;
  }
}

/**
 * Makes Kafka match the desired topics: creates missing ones (also those deleted by hand)
 * with partitions and config, grows partitions, refuses decreases in a condition, and aligns
 * the topic configuration the spec names.
 */
export async function applyTopics(admin: Admin, topics: TopicDecl[], opts: { firstApply: boolean }): Promise<TopicsResult> {
  const out: TopicsResult = { ...emptyOutcome(), topics: [] };
  if (topics.length === 0) return out;
  let existing: Map<string, number>;
  try {
    const names = new Set(await admin.listTopics());
    existing = await partitionCounts(admin, topics.filter((t) => names.has(t.name)).map((t) => t.name));
  } catch (err) {
    throw kafkaError('reading topic metadata', err);
  }

  const missing = topics.filter((t) => !existing.has(t.name));
  if (missing.length > 0) {
    try {
      // One request per topic: a CreateTopics request's configs apply to every topic in it.
      await Promise.all(missing.map(async (t) => createTopic(admin, t)));
    } catch (err) {
      throw kafkaError('creating topics', err);
    }
    for (const t of missing) {
      existing.set(t.name, t.partitions);
      out.events.push(
        opts.firstApply
          ? { type: 'Normal', reason: EVENT.topicCreated, message: `created topic ${t.name} with ${t.partitions} partitions` }
          : { type: 'Warning', reason: EVENT.driftRepaired, message: `recreated topic ${t.name} (${t.partitions} partitions), which was missing on the broker` },
      );
    }
  }

  for (const t of topics) {
    const have = existing.get(t.name) ?? t.partitions;
    let now = have;
    const decision = partitionDecision(have, t.partitions);
    if (decision === 'grow') {
      try {
        await growPartitions(admin, t.name, t.partitions);
      } catch (err) {
        throw kafkaError(`growing ${t.name} to ${t.partitions} partitions`, err);
      }
      now = t.partitions;
      out.events.push({ type: 'Normal', reason: EVENT.partitionsIncreased, message: `topic ${t.name}: partitions ${have} → ${t.partitions}` });
    } else if (decision === 'refuse') {
      const message = `topic ${t.name} has ${have} partitions; Kafka cannot remove partitions, so the decrease to ${t.partitions} is refused (not applied)`;
      out.problems.push({ reason: REASON.partitionDecreaseRefused, message });
      out.events.push({ type: 'Warning', reason: EVENT.partitionDecreaseRefused, message });
    }
    out.topics.push({ name: t.name, partitions: now, desiredPartitions: t.partitions });
  }

  const withConfig = topics.filter((t) => Object.keys(t.config).length > 0 && !missing.includes(t));
  if (withConfig.length > 0) await alignConfig(admin, withConfig, out);
  return out;
}

/**
 * Sets the config keys the spec names and whose values differ, with IncrementalAlterConfigs:
 * only those keys change, so a setting the pipeline does not name (set by a person or another
 * tool) is kept. (The older AlterConfigs replaces a topic's whole dynamic config.) A key
 * removed from the spec is left as the broker has it: the operator cannot tell whether it set it.
 */
async function alignConfig(admin: Admin, topics: TopicDecl[], out: TopicsResult): Promise<void> {
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((t) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: t.name, configurationKeys: Object.keys(t.config) })),
    });
    for (const t of topics) {
      const entries = described.find((r) => r.resourceName === t.name)?.configs ?? [];
      const differs = Object.entries(t.config).filter(([name, value]) => entries.find((e) => e.name === name)?.value !== value);
      if (differs.length === 0) continue;
      await admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: t.name,
            configs: differs.map(([name, value]) => ({ name, value, configOperation: IncrementalAlterConfigOperationTypes.SET })),
          },
        ],
      });
      out.events.push({ type: 'Normal', reason: EVENT.topicConfigUpdated, message: `topic ${t.name}: set ${differs.map(([n, v]) => `${n}=${v}`).join(', ')}` });
    }
  } catch (err) {
    throw kafkaError('aligning topic config', err);
  }
}

/** Deletes topics per the deletion policy; `DeleteIfEmpty` keeps topics that hold records. */
export async function deleteTopics(admin: Admin, topics: TopicDecl[], policy: 'Delete' | 'DeleteIfEmpty'): Promise<{ deleted: string[]; retained: string[] }> {
  const result = { deleted: [] as string[], retained: [] as string[] };
  try {
    const names = new Set(await admin.listTopics());
    const doomed: string[] = [];
    for (const t of topics) {
      if (!names.has(t.name)) continue;
      if (policy === 'DeleteIfEmpty') {
        const offsets = await topicOffsets(admin, t.name);
        if (offsets.some((o) => o.high > o.low)) {
          result.retained.push(`topic ${t.name} (holds records)`);
          continue;
        }
      }
      doomed.push(t.name);
    }
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
    result.deleted.push(...doomed.map((n) => `topic ${n}`));
  } catch (err) {
    throw kafkaError('deleting topics', err);
  }
  return result;
}
