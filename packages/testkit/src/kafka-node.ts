import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync, closeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A throwaway single-node KRaft Kafka a test owns (and may stop and start), on its own ports. */
export interface KafkaNode {
  /** `127.0.0.1:<port>` */
  brokers: string;
  /** Stops the broker (SIGTERM, a clean shutdown) and waits for it to exit; data is kept. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data, and waits until it serves. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
  /** The broker's log, for failure messages. */
  log(): string;
}

/**
 * Where hack/services/kafka.sh caches the Kafka jars: keyed by version and the pom's hash, so
 * this node runs exactly the broker the stack runs. Fails (never skips) when the stack has not
 * fetched them.
 */
function kafkaLibs(): string {
  const pom = join(repoRoot, 'hack/kafka/pom.xml');
  const text = readFileSync(pom, 'utf8');
  const version = /<kafka\.version>(.*)<\/kafka\.version>/.exec(text)?.[1];
  const hash = createHash('sha256').update(readFileSync(pom)).digest('hex').slice(0, 10);
  const cache = process.env.ORDERFLOW_CACHE ?? join(homedir(), '.cache/orderflow');
  const home = join(cache, 'kafka', `${version}-${hash}`);
  if (!existsSync(join(home, '.complete'))) throw new Error(`no Kafka jars at ${home}: run 'hack/stack up kafka' first`);
  return join(home, 'libs/*');
}

function serverProperties(dir: string, port: number, controllerPort: number): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=3',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

/**
 * Starts a second, private Kafka broker (the same jars as the shared one) in a temporary
 * directory on `port`/`controllerPort`: for tests that must restart a broker, which the shared
 * one never is (other tests use it).
 */
export async function startKafkaNode(options: { port?: number; controllerPort?: number } = {}): Promise<KafkaNode> {
  const port = options.port ?? 19092;
  const controllerPort = options.controllerPort ?? 19093;
  const libs = kafkaLibs();
  const dir = await mkdtemp(join(tmpdir(), 'orderflow-kafka-node-'));
  mkdirSync(join(dir, 'data'));
  const props = join(dir, 'server.properties');
  writeFileSync(props, serverProperties(dir, port, controllerPort));
  writeFileSync(join(dir, 'log4j2.properties'), 'status = warn\nappender.c.type = Console\nappender.c.name = C\nappender.c.layout.type = PatternLayout\nappender.c.layout.pattern = [%d] %p %m (%c)%n\nrootLogger.level = WARN\nrootLogger.appenderRef.c.ref = C\nlogger.s.name = kafka.server.KafkaRaftServer\nlogger.s.level = INFO\n');
  const logFile = join(dir, 'kafka.log');
  const java = (args: string[], detached: boolean): ChildProcess => {
    const fd = openSync(logFile, 'a');
    const child = spawn('java', ['-Xms128m', '-Xmx512m', `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`, '-cp', libs, ...args], { stdio: ['ignore', fd, fd], detached });
    closeSync(fd);
    return child;
  };
  const run = (args: string[]): Promise<void> =>
    new Promise((ok, fail) => java(args, false).once('exit', (code) => (code === 0 ? ok() : fail(new Error(`java ${args[0]} exited ${code}: ${readFileSync(logFile, 'utf8').slice(-2_000)}`)))));
  await run(['kafka.tools.StorageTool', 'format', '-t', 'b3JkZXJmbG93LXRlc3QtMQ', '-c', props]);

  let broker: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const started = (): boolean => /Kafka Server started|KafkaRaftServer.*started/.test(readFileSync(logFile, 'utf8').split('--- start ---').at(-1) ?? '');
  const start = async (): Promise<void> => {
    writeFileSync(logFile, '\n--- start ---\n', { flag: 'a' });
    const child = java(['kafka.Kafka', props], false);
    broker = child;
    exited = new Promise((done) => child.once('exit', () => done()));
    await waitFor(() => started() || child.exitCode !== null, { timeoutMs: 120_000, intervalMs: 250, what: `throwaway Kafka on 127.0.0.1:${port}` });
    if (child.exitCode !== null) throw new Error(`throwaway Kafka exited ${child.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2_000)}`);
  };
  const stop = async (): Promise<void> => {
    if (broker !== undefined && broker.exitCode === null) broker.kill('SIGTERM');
    await exited;
    broker = undefined;
  };
  await start();
  return {
    brokers: `127.0.0.1:${port}`,
    stop,
    start,
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
    log: () => readFileSync(logFile, 'utf8'),
  };
}
