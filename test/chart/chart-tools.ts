import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stackSetting } from '@orderflow/testkit';

const run = promisify(execFile);

/** The repository root. */
export const repoDir = fileURLToPath(new URL('../../', import.meta.url));

/** The chart under test. */
export const chartDir = fileURLToPath(new URL('../../charts/orderflow/', import.meta.url));

/** Exit code and output of a finished command, whatever the code. */
export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; a non-zero exit is returned, not thrown. */
export async function outcome(file: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<Outcome> {
  const env = { ...process.env, KUBECONFIG: stackSetting('KUBECONFIG') };
  const child = run(file, args, { env, cwd: repoDir, timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 });
  if (options.input !== undefined) {
    child.child.stdin?.end(options.input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string; killed?: boolean };
    // A spawn failure (missing binary) or a timeout is not an outcome of the check: fail loudly.
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Paths of the chart check tools (KEY=value lines of hack/chart/install-tools). */
export type ChartTools = Readonly<Record<'KUBECONFORM' | 'HELM_UNITTEST' | 'PSACHECK' | 'K8S_VALIDATE_PYTHON' | 'K8S_SCHEMAS' | 'CHECKOV', string>>;

/**
 * Installs or builds what is missing (cached; cold it takes minutes) and returns the tools'
 * paths. A tool that cannot be installed fails the tests: nothing is skipped.
 */
export async function installChartTools(): Promise<ChartTools> {
  const result = await outcome('bash', ['hack/chart/install-tools'], { timeoutMs: 1_800_000 });
  if (result.code !== 0) throw new Error(`hack/chart/install-tools failed (${result.code}):\n${result.stderr}`);
  const tools: Record<string, string> = {};
  for (const line of result.stdout.trim().split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) tools[line.slice(0, eq)] = line.slice(eq + 1);
  }
  for (const key of ['KUBECONFORM', 'HELM_UNITTEST', 'PSACHECK', 'K8S_VALIDATE_PYTHON', 'K8S_SCHEMAS', 'CHECKOV']) {
    if (!tools[key]) throw new Error(`hack/chart/install-tools printed no ${key}`);
  }
  return tools as ChartTools;
}

/** Renders the chart with the stack's helm; extra arguments go to `helm template`. */
export async function helmTemplate(...args: string[]): Promise<string> {
  const result = await outcome(stackSetting('HELM'), ['template', 'orderflow', chartDir, ...args]);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return result.stdout;
}
