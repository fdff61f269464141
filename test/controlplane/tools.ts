import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stackSetting } from '@orderflow/testkit';

const run = promisify(execFile);

/** Output of a command that exited 0, or an error carrying its stderr. */
export interface CommandResult {
  stdout: string;
  stderr: string;
}

let helmHome: string | undefined;

/** Runs the stack's Helm against the local control plane, with its own config and cache. */
export async function helm(...args: string[]): Promise<CommandResult> {
  helmHome ??= mkdtempSync(join(tmpdir(), 'orderflow-helm-'));
  return run(stackSetting('HELM'), args, {
    env: {
      ...process.env,
      KUBECONFIG: stackSetting('KUBECONFIG'),
      HELM_CONFIG_HOME: join(helmHome, 'config'),
      HELM_CACHE_HOME: join(helmHome, 'cache'),
      HELM_DATA_HOME: join(helmHome, 'data'),
    },
    timeout: 120_000,
  });
}

/** Runs the stack's kubectl against the local control plane. */
export async function kubectl(...args: string[]): Promise<CommandResult> {
  return run(stackSetting('KUBECTL'), args, {
    env: { ...process.env, KUBECONFIG: stackSetting('KUBECONFIG') },
    timeout: 60_000,
  });
}

/** Runs a command that should fail; returns its exit code and stderr. */
export async function failure(command: Promise<CommandResult>): Promise<{ code: number; stderr: string }> {
  try {
    await command;
  } catch (err) {
    const e = err as { code?: unknown; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stderr: e.stderr ?? '' };
  }
  throw new Error('the command succeeded but was expected to fail');
}
