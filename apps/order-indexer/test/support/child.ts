import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** The indexer as a real process (`node src/main.ts`, as hack/run starts it). */
export interface ChildIndexer {
  process: ChildProcess;
  /** Everything it logged so far. */
  output(): string;
  /** SIGKILL: no shutdown hook runs, whatever it had in flight is left as is. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for the exit code. */
  terminate(): Promise<number | null>;
}

/** Starts `node src/main.ts` with `env` (and PATH), output captured. */
export function spawnIndexer(env: Record<string, string>): ChildIndexer {
  const child = spawn(process.execPath, ['src/main.ts'], { cwd: APP_DIR, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    output: () => out,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async terminate() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
