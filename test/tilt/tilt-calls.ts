import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root (the Tiltfile lives there). */
export const repoRoot = resolve(import.meta.dirname, '../..');

/** One builtin call the Tiltfile made, as hack/tilt/tilt-check records it. */
export interface TiltCall {
  fn: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** The value a live_update step or port_forward() returns (its arguments, and what it is). */
export interface TiltStep {
  tilt_type: 'sync' | 'run' | 'fall_back_on' | 'port_forward' | 'link';
  [field: string]: unknown;
}

/** The helm binary of the local stack (`hack/stack env`), which tilt-check's helm() runs. */
export async function stackHelm(): Promise<string> {
  const { stdout } = await run('bash', [resolve(repoRoot, 'hack/stack'), 'env'], { timeout: 60_000 });
  const helm = /^HELM=(.+)$/m.exec(stdout)?.[1];
  if (helm === undefined) throw new Error('hack/stack env prints no HELM: run hack/stack up');
  return helm;
}

/**
 * Evaluates a Tiltfile with hack/tilt/tilt-check (Tilt's Starlark interpreter, builtins that
 * record their calls) and returns the calls in order. Rejects with the interpreter's error when
 * the Tiltfile does not evaluate.
 */
export async function tiltCalls(tiltfile: string, helm: string, args: Record<string, string> = {}): Promise<TiltCall[]> {
  const flags = Object.entries(args).flatMap(([k, v]) => ['-arg', `${k}=${v}`]);
  const { stdout } = await run('bash', [resolve(repoRoot, 'hack/tilt/tilt-check'), ...flags, tiltfile], {
    // The first run builds the checker (Go; cached afterwards).
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, HELM: helm },
  });
  return (JSON.parse(stdout) as { calls: TiltCall[] }).calls;
}
