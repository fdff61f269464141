import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@orderflow/testkit';

const REPO_DIR = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * A throwaway OpenSearch node of the test's own (the stack's jars and launcher, its own ports
 * and data directory), so a test can stop and start it without touching the shared one.
 */
export class OpenSearchNode {
  readonly url: string;
  readonly #dir: string;
  readonly #httpPort: number;
  readonly #transportPort: number;
  #process: ChildProcess | undefined;
  #output = '';

  private constructor(httpPort: number, transportPort: number) {
    this.#httpPort = httpPort;
    this.#transportPort = transportPort;
    this.url = `http://127.0.0.1:${httpPort}`;
    this.#dir = mkdtempSync(join(tmpdir(), 'indexer-opensearch-'));
  }

  /** A new node, started and healthy. */
  static async start(): Promise<OpenSearchNode> {
    const node = new OpenSearchNode(await freePort(), await freePort());
    await node.resume();
    return node;
  }

  /** Starts the node (again) on the same ports and data, and waits until it is yellow or green. */
  async resume(): Promise<void> {
    // The stack's module knows where the cached jars and the compiled launcher are.
    const [javaHome, home] = execFileSync('bash', ['-c', 'source hack/lib/common.sh && source hack/services/opensearch.sh && opensearch_install && echo "$OPENSEARCH_JAVA_HOME" && echo "$OPENSEARCH_HOME"'], { cwd: REPO_DIR, encoding: 'utf8' })
      .trim()
      .split('\n')
      .slice(-2);
    this.#process = spawn(
      join(javaHome!, 'bin/java'),
      ['-Xms256m', '-Xmx256m', '-cp', `${home}/classes:${home}/libs/*`, 'OrderflowOpenSearch', this.#dir, String(this.#httpPort), String(this.#transportPort), 'indexer-test'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#process.stdout?.on('data', (b: Buffer) => (this.#output = (this.#output + b.toString()).slice(-4_000)));
    this.#process.stderr?.on('data', (b: Buffer) => (this.#output = (this.#output + b.toString()).slice(-4_000)));
    await waitFor(
      async () => {
        if (this.#process?.exitCode !== null) throw new Error(`OpenSearch exited: ${this.#output}`);
        const res = await fetch(`${this.url}/_cluster/health`);
        return res.ok && ['green', 'yellow'].includes(((await res.json()) as { status: string }).status);
      },
      { timeoutMs: 240_000, intervalMs: 500, what: `OpenSearch on ${this.url}` },
    );
  }

  /** Stops the node (SIGTERM: a clean shutdown) and waits for the process to end. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }

  /** Stops the node and deletes its data. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
