import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@orderflow/testkit';

const NODE = fileURLToPath(new URL('../../../../node_modules/.bin/node', import.meta.url));
const MAIN = {
  dashboard: fileURLToPath(new URL('../../src/main.ts', import.meta.url)),
  'order-api': fileURLToPath(new URL('../../../order-api/src/main.ts', import.meta.url)),
} as const;

/** An app running as a child process, as hack/run starts it. */
export interface RunningApp {
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything it logged, for failure messages. */
  output(): string;
  /** SIGTERM and wait for exit (graceful drain). */
  stop(): Promise<number | null>;
}

/** Starts `app` (`node src/main.ts`) with `env` on `port` (a free one by default) and waits until /readyz answers 200. */
export async function startApp(app: keyof typeof MAIN, env: Record<string, string>, port?: number): Promise<RunningApp> {
  const listen = port ?? (await freePort());
  const child = spawn(NODE, [MAIN[app]], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env, PORT: String(listen), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${listen}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}: ${output}`);
        return (await fetch(`${url}/readyz`)).ok;
      },
      { timeoutMs: 60_000, what: `${app} to be ready` },
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output}`, { cause: err });
  }
  return {
    url,
    port: listen,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export { freePort };
