import { ProduceAcks, Producer, compatibilityPartitioner, stringSerializers } from '@platformatic/kafka';
import { toKafkaError } from './classify.ts';
import { kafkaClientOptions, type KafkaClientSettings } from './client-options.ts';
import { KafkaUnavailable } from './errors.ts';

/** A producer of UTF-8 keys, JSON-string values and string headers. */
export type StringProducer = Producer<string, string, string, string>;
/** A transaction of a {@link StringProducer}. */
export type StringTransaction = Awaited<ReturnType<StringProducer['beginTransaction']>>;

// Java's partitioner (murmur2 masked to 31 bits), so a key lands where any Kafka client puts it.
const javaCompatible = { partitioner: compatibilityPartitioner };

/**
 * An idempotent producer with `acks=all`: a retried send is written once per partition, and a
 * send succeeds only when every in-sync replica has it.
 */
export function createIdempotentProducer(settings: KafkaClientSettings): StringProducer {
  return new Producer({ ...kafkaClientOptions(settings), idempotent: true, acks: ProduceAcks.ALL, ...javaCompatible, serializers: stringSerializers });
}

/**
 * A transactional producer (idempotent, `acks=all`). Starting one with a `transactionalId` an
 * older instance still holds fences that instance and aborts its open transaction.
 */
export function createTransactionalProducer(settings: KafkaClientSettings, transactionalId: string): StringProducer {
  return new Producer({ ...kafkaClientOptions(settings), idempotent: true, acks: ProduceAcks.ALL, transactionalId, ...javaCompatible, serializers: stringSerializers });
}

/**
 * Registers the producer's transactional id with the coordinator now, before any work: a
 * previous instance with the same id is fenced and its open transaction aborted, so what it
 * left half-written never blocks read_committed readers (the last stable offset) after a crash.
 */
export async function initTransactions(producer: StringProducer): Promise<void> {
  try {
    const tx = await producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
    await tx.cancel();
  } catch (err) {
    throw toKafkaError('init transactions', err, producer.transaction?.id ?? 'producer');
  }
}

/** Options for {@link inTransaction}. */
export interface TransactionOptions {
  /**
   * Longest the whole transaction may take. The client retries an unreachable cluster without
   * end (idempotent producers must not give up on their own), so callers bound it here; after a
   * timeout the producer must be closed and replaced (it may still be retrying).
   */
  timeoutMs?: number;
}

/**
 * Runs `work` inside one Kafka transaction and commits it; any failure aborts it (what was
 * sent is never seen by read_committed consumers) and is rethrown as a coded Kafka error.
 * One transaction per batch, never per message: each commit costs several round trips.
 */
export async function inTransaction<T>(producer: StringProducer, work: (tx: StringTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const transactionalId = producer.transaction?.id ?? 'producer';
  const attempt = runTransaction(producer, work, transactionalId);
  if (options.timeoutMs === undefined) return attempt;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KafkaUnavailable(['transaction', `no answer within ${options.timeoutMs} ms`])), options.timeoutMs);
  });
  // The abandoned attempt settles later (or never): its outcome no longer matters.
  attempt.catch(() => undefined);
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function runTransaction<T>(producer: StringProducer, work: (tx: StringTransaction) => Promise<T>, transactionalId: string): Promise<T> {
  let tx: StringTransaction;
  try {
    // "No producer id yet" must be said as -1/-1: the client's default (0/0) reads to the
    // coordinator as a stale producer of this transactional id, so a restarted instance would be
    // refused with PRODUCER_FENCED instead of fencing its predecessor (measured on Kafka 4.1.1).
    tx = await producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
  } catch (err) {
    throw toKafkaError('begin transaction', err, transactionalId);
  }
  let result: T;
  try {
    result = await work(tx);
  } catch (err) {
    // The original failure is what matters; an abort that fails too (broker gone) changes nothing:
    // the coordinator aborts the transaction when it times out or the next instance starts.
    await tx.abort().catch(() => undefined);
    throw toKafkaError('transaction', err, transactionalId);
  }
  try {
    await tx.commit();
  } catch (err) {
    await tx.abort().catch(() => undefined);
    throw toKafkaError('commit transaction', err, transactionalId);
  }
  return result;
}
