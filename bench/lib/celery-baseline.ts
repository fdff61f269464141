import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { AmqpConnection } from '@orderflow/messaging';
import { ADMIN_TOKEN, peakRssOf, startApp, insertOrders, makeOrders, publishOrders, createDatabase, createVhost, type RunningApp } from '@orderflow/payment-worker/test-support';

const CELERY_DIR = fileURLToPath(new URL('../celery', import.meta.url));

/** One consumer's figures on the same pre-loaded messages. */
export interface ComparisonRow {
  name: string;
  settings: string;
  /** First → last charge, by the provider's own clock. */
  chargeSpanMs: number;
  perSecond: number;
  /** First charge → every message settled (Node: paid and committed; Celery: queue empty). */
  drainMs: number;
  peakRss: number;
}

/**
 * The Celery virtualenv, keyed by the pinned version, under ~/.cache/orderflow; created with
 * pip from PyPI the first time.
 */
export function ensureCeleryVenv(log: (line: string) => void): string {
  const requirements = readFileSync(join(CELERY_DIR, 'requirements.txt'), 'utf8');
  const version = /^celery==(\S+)/m.exec(requirements)?.[1];
  if (version === undefined) throw new Error('bench/celery/requirements.txt must pin celery==<version>');
  const venv = join(process.env.ORDERFLOW_CACHE ?? join(homedir(), '.cache', 'orderflow'), `venv-celery-${version}`);
  if (!existsSync(join(venv, '.complete'))) {
    log(`  creating ${venv} (pip install celery==${version})`);
    rmSync(venv, { recursive: true, force: true });
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '-r', join(CELERY_DIR, 'requirements.txt')], { stdio: 'inherit' });
    writeFileSync(join(venv, '.complete'), `${new Date().toISOString()}\n`);
  }
  return venv;
}

interface Summary {
  charges: number;
  firstChargeAt: number | null;
  lastChargeAt: number | null;
}

async function summary(provider: RunningApp): Promise<Summary> {
  return (await (await fetch(`${provider.url}/ledger/summary`)).json()) as Summary;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 300_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
  return Date.now();
}

/** Peak RSS of a process and its children (Celery's prefork pool), in bytes. */
function treeRss(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // Gone already.
  }
  return peakRssOf(pid) + children.reduce((sum, child) => sum + treeRss(child), 0);
}

async function nodeWorker(messages: number, log: (line: string) => void): Promise<ComparisonRow> {
  const [db, vhost] = await Promise.all([createDatabase('bench_side'), createVhost('bench-side')]);
  const provider = await startApp('payment-provider', { PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN });
  const env = { DATABASE_URL: db.url, RABBITMQ_URL: vhost.url, PROVIDER_URL: provider.url };
  try {
    // Start once to declare the topology, stop, pre-load the queue, then start for real.
    await (await startApp('payment-worker', env)).stop();
    const orders = makeOrders(messages);
    await insertOrders(db.pool, orders);
    await publishOrders(vhost.url, orders);
    log(`  payment-worker: ${messages} messages pre-loaded`);
    const worker = await startApp('payment-worker', env);
    const settledAt = await until('every order paid', async () => {
      const { rows } = await db.pool.query<{ n: string }>(`select count(*) as n from orders where status = 'paid'`);
      return Number(rows[0]?.n) === messages;
    });
    const peakRss = worker.peakRss();
    await worker.stop();
    const s = await summary(provider);
    if (s.charges !== messages) throw new Error(`provider charged ${s.charges}, expected ${messages}`);
    const span = s.lastChargeAt! - s.firstChargeAt!;
    return {
      name: 'payment-worker (Node)',
      settings: 'prefetch 200, concurrency 64, batch 200; + payments upsert, status change, outbox row per order',
      chargeSpanMs: span,
      perSecond: (messages / span) * 1000,
      drainMs: settledAt - s.firstChargeAt!,
      peakRss,
    };
  } finally {
    await provider.stop();
    await vhost.drop().catch((err: unknown) => log(`  could not drop vhost ${vhost.name}: ${(err as Error).message}`));
    await db.drop().catch((err: unknown) => log(`  could not drop database: ${(err as Error).message}`));
  }
}

async function celeryWorker(messages: number, venv: string, log: (line: string) => void): Promise<ComparisonRow> {
  const vhost = await createVhost('bench-celery');
  const provider = await startApp('payment-provider', { PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN });
  const env = { PATH: process.env.PATH ?? '', CELERY_BROKER_URL: vhost.url, PROVIDER_URL: provider.url, PYTHONDONTWRITEBYTECODE: '1' };
  const python = join(venv, 'bin', 'python');
  try {
    const lines = makeOrders(messages).map((e) => JSON.stringify(e.order)).join('\n');
    const published = execFileSync(python, ['publish.py'], { cwd: CELERY_DIR, env, input: lines, encoding: 'utf8' }).trim();
    log(`  celery: ${published} tasks pre-loaded`);
    const worker = spawn(
      python,
      ['-m', 'celery', '-A', 'tasks', 'worker', '--pool', 'prefork', '--concurrency', '4', '--prefetch-multiplier', '10', '-Q', 'celery-payments', '--without-gossip', '--without-mingle', '--without-heartbeat', '--loglevel', 'WARNING'],
      { cwd: CELERY_DIR, env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    worker.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    let peakRss = 0;
    try {
      await until('celery to charge every order', async () => {
        if (worker.exitCode !== null) throw new Error(`celery exited: ${stderr}`);
        peakRss = Math.max(peakRss, treeRss(worker.pid));
        return (await summary(provider)).charges === messages;
      });
      // Acks follow each task's return; the queue is empty once the last one is acked.
      const connection = await AmqpConnection.open(vhost.url, { name: 'bench-celery-probe' });
      const channel = await connection.createChannel();
      const settledAt = await until('celery queue drained', async () => {
        peakRss = Math.max(peakRss, treeRss(worker.pid));
        const q = await channel.checkQueue('celery-payments');
        return q.messageCount === 0 && (await summary(provider)).charges === messages;
      });
      await channel.close();
      await connection.close();
      const s = await summary(provider);
      const span = s.lastChargeAt! - s.firstChargeAt!;
      return {
        name: 'Celery 5.7 (Python)',
        settings: 'prefork, concurrency 4, prefetch multiplier 10, acks_late; charge only',
        chargeSpanMs: span,
        perSecond: (messages / span) * 1000,
        drainMs: settledAt - s.firstChargeAt!,
        peakRss,
      };
    } finally {
      if (worker.exitCode === null) worker.kill('SIGTERM');
      await exited;
    }
  } finally {
    await provider.stop();
    await vhost.drop().catch((err: unknown) => log(`  could not drop vhost ${vhost.name}: ${(err as Error).message}`));
  }
}

/** payment-worker and a Celery worker on the same number of pre-loaded messages, one after the other. */
export async function runCeleryComparison(options: { messages: number; log: (line: string) => void }): Promise<{ rows: ComparisonRow[]; ratio: number }> {
  const venv = ensureCeleryVenv(options.log);
  const node = await nodeWorker(options.messages, options.log);
  const celery = await celeryWorker(options.messages, venv, options.log);
  return { rows: [node, celery], ratio: node.perSecond / celery.perSecond };
}
