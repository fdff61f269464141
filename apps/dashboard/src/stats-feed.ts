import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, FetchIsolationLevels, MessagesStreamFallbackModes, MessagesStreamModes, stringDeserializers, type Message, type MessagesStream } from '@platformatic/kafka';
import type { Logger } from '@orderflow/logging';
import { registerFormats } from '@orderflow/messaging';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { OrderAlertRecord as OrderAlert, OrderStatsRecord as OrderStats } from '@orderflow/kafka';
import type { BoardStore } from './board-store.ts';
import { InvalidAggregateRecord } from './errors.ts';
import type { DashboardMetrics } from './metrics.ts';

// The contract's timestamps are date-time formats; TypeBox checks them only when registered.
registerFormats();
const statsChecker = TypeCompiler.Compile(OrderStats);
const alertChecker = TypeCompiler.Compile(OrderAlert);

/** Options of {@link StatsFeed}. */
export interface StatsFeedOptions {
  brokers: readonly string[];
  groupId: string;
  statsTopic: string;
  alertsTopic: string;
  store: BoardStore;
  logger: Logger;
  metrics: DashboardMetrics;
  clientId?: string;
}

type StringMessage = Message<string, string, string, string>;

function parseRecord<S extends TSchema>(topic: string, checker: ReturnType<typeof TypeCompiler.Compile<S>>, value: string | undefined): S['static'] {
  let body: unknown;
  try {
    body = JSON.parse(value ?? '');
  } catch {
    throw new InvalidAggregateRecord([topic, 'value is not JSON']);
  }
  if (!checker.Check(body)) {
    const first = checker.Errors(body).First();
    throw new InvalidAggregateRecord([topic, first === undefined ? 'schema mismatch' : `${first.path || '/'} ${first.message}`]);
  }
  return body;
}

/**
 * Reads the stream aggregator's `order-stats` and `order-alerts` (read_committed: records of an
 * aborted aggregator transaction never show) into the board's Redis snapshot. One consumer group
 * for all replicas, because the snapshot is shared: each record is applied once and published to
 * every replica through Redis. Offsets are committed after the record is in Redis; a redelivery
 * is a no-op there (last record per window, alerts by id). Records that break the contract are
 * logged, counted and skipped, never retried for ever.
 */
export class StatsFeed {
  readonly #o: StatsFeedOptions;
  readonly #consumer: Consumer<string, string, string, string>;
  #stream: MessagesStream<string, string, string, string> | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;

  constructor(options: StatsFeedOptions) {
    this.#o = options;
    this.#consumer = new Consumer({
      clientId: options.clientId ?? 'dashboard',
      groupId: options.groupId,
      bootstrapBrokers: [...options.brokers],
      deserializers: stringDeserializers,
      retries: 5,
      retryDelay: 500,
    });
  }

  /** True while the stream is open (a gauge, not readiness: the board works without statistics). */
  get consuming(): boolean {
    return this.#stream !== undefined && !this.#stream.closed;
  }

  /** Joins the group and starts applying records in the background; retries until it can. */
  start(): void {
    this.#loop ??= this.#run();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      try {
        const stream = await this.#consumer.consume({
          topics: [this.#o.statsTopic, this.#o.alertsTopic],
          mode: MessagesStreamModes.COMMITTED,
          fallbackMode: MessagesStreamFallbackModes.EARLIEST,
          autocommit: false,
          isolationLevel: FetchIsolationLevels.READ_COMMITTED,
          sessionTimeout: 20_000,
          heartbeatInterval: 3_000,
          maxWaitTime: 500,
        });
        this.#stream = stream;
        this.#o.metrics.statsFeedUp.set(1);
        this.#o.logger.info({ topics: [this.#o.statsTopic, this.#o.alertsTopic], group: this.#o.groupId }, 'consuming stream statistics');
        failures = 0;
        for await (const message of stream as AsyncIterable<StringMessage>) {
          if (!(await this.#applyUntilDone(message))) break;
          await message.commit();
        }
      } catch (err) {
        if (this.#stopping) break;
        failures += 1;
        // Topics not created yet (the aggregator's pipeline not applied) is a normal state: say it now and then, not every retry.
        if (failures === 1 || failures % 20 === 0) this.#o.logger.warn({ err: (err as Error).message, failures }, 'stream statistics feed failed; retrying');
      } finally {
        this.#o.metrics.statsFeedUp.set(0);
        await this.#stream?.close().catch(() => undefined);
        this.#stream = undefined;
      }
      if (!this.#stopping) await sleep(Math.min(5_000, 250 * 2 ** Math.min(failures, 5)));
    }
  }

  /** Applies one record, waiting out a Redis outage; false when stopping before it was applied. */
  async #applyUntilDone(message: StringMessage): Promise<boolean> {
    const { topic } = message;
    for (let attempt = 1; ; attempt++) {
      try {
        this.#o.metrics.aggregateRecords.inc({ topic, outcome: await this.#apply(message) });
        return true;
      } catch (err) {
        if (InvalidAggregateRecord.is(err)) {
          this.#o.metrics.aggregateRecords.inc({ topic, outcome: 'invalid' });
          this.#o.logger.warn({ err: err.message, code: err.code, offset: String(message.offset), partition: message.partition }, 'skipped a record that breaks the aggregator contract');
          return true;
        }
        if (this.#stopping) return false;
        if (attempt === 1 || attempt % 20 === 0) this.#o.logger.warn({ err: (err as Error).message, attempt }, 'could not write a statistics record to the board; retrying');
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)));
      }
    }
  }

  async #apply(message: StringMessage): Promise<'applied' | 'superseded'> {
    const seq =
      message.topic === this.#o.alertsTopic
        ? await this.#o.store.applyAlert(parseRecord(message.topic, alertChecker, message.value))
        : await this.#o.store.applyStats(parseRecord(message.topic, statsChecker, message.value));
    return seq > 0 ? 'applied' : 'superseded';
  }

  /** Stops after the record in hand; leaves the group so another replica takes the partitions at once. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#stream?.close().catch(() => undefined);
    await this.#loop;
    await this.#consumer.close(true).catch(() => undefined);
  }
}
