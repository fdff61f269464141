import { spawn, type ChildProcess } from 'node:child_process';

/** An app as a real process (`node src/main.ts` in its workspace, as hack/run starts it). */
export interface AppProcess {
  process: ChildProcess;
  /** Everything it logged so far. */
  output(): string;
  /** SIGKILL: no shutdown hook runs, whatever it had in flight is left as is. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for the exit code. */
  terminate(): Promise<number | null>;
}

/** Starts `node src/main.ts` in `appDir` with `env` (and PATH), output captured. */
export function spawnAppProcess(appDir: string, env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, ['src/main.ts'], { cwd: appDir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
