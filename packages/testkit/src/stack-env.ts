import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where the local stack writes its connection settings (hack/stack env). */
export function stackEnvPath(): string {
  return join(process.env.ORDERFLOW_STATE ?? join(repoRoot, '.stack'), 'env');
}

let cached: Readonly<Record<string, string>> | undefined;

/**
 * Connection settings of the running local stack, from one place. Throws (the test fails,
 * never skips) when the stack has not been brought up.
 */
export function stackEnv(): Readonly<Record<string, string>> {
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = readFileSync(stackEnvPath(), 'utf8');
  } catch {
    throw new Error(`no local stack settings at ${stackEnvPath()}: run 'hack/stack up' first (the test run does this)`);
  }
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  cached = Object.freeze(out);
  return cached;
}

/** One setting, or a clear error naming it. */
export function stackSetting(name: string): string {
  const value = stackEnv()[name];
  if (value === undefined || value === '') {
    throw new Error(`the local stack did not provide ${name}; is its service up? (hack/stack status)`);
  }
  return value;
}
