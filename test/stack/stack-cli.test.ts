import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');

/** Runs a bash snippet with the stack's helpers loaded, against a throw-away state folder. */
function stackShell(script: string): { status: number | null; stderr: string; state: string } {
  const state = mkdtempSync(join(tmpdir(), 'stack-test-'));
  const result = spawnSync('bash', ['-c', `source "${repo}/hack/lib/common.sh"\n${script}`], {
    env: { ...process.env, ORDERFLOW_STATE: state },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr, state };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('hack/stack errors and process handling', () => {
  it('names a port that is already taken', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const out = stackShell(`require_free_port demo ${port}`);
    server.close();
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`demo: port ${port} is already in use`);
  });

  it('names a missing prerequisite', () => {
    const out = stackShell(`require_cmd orderflow-no-such-tool "install it from somewhere"`);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("missing prerequisite 'orderflow-no-such-tool': install it from somewhere");
  });

  it('fails a service that dies during start-up with the tail of its log', () => {
    const out = stackShell(`start_daemon demo sh -c 'echo "FATAL: could not bind"; exit 3'\nwait_until demo 20 false`);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('demo exited during start-up');
    expect(out.stderr).toContain('FATAL: could not bind');
  });

  it('stops only the processes it started, by their recorded ids', () => {
    const bystander = spawn('sleep', ['300'], { stdio: 'ignore' });
    const out = stackShell(`start_daemon demo sleep 300\ncat "$(svc_pidfile demo)" >"$ORDERFLOW_STATE/started"\nstop_daemon demo 10`);
    expect(out.status).toBe(0);
    const started = Number(readFileSync(join(out.state, 'started'), 'utf8'));
    expect(started).toBeGreaterThan(0);
    expect(alive(started)).toBe(false);
    expect(alive(bystander.pid!)).toBe(true);
    bystander.kill();
  });

  it('is idempotent: bringing a running service up again keeps the same process', () => {
    const pidFile = join(process.env.ORDERFLOW_STATE ?? join(repo, '.stack'), 'redis', 'redis.pid');
    const before = readFileSync(pidFile, 'utf8').trim();
    const again = spawnSync('bash', [join(repo, 'hack/stack'), 'up', 'redis'], { encoding: 'utf8', timeout: 120_000 });
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(pidFile, 'utf8').trim()).toBe(before);
    const status = spawnSync('bash', [join(repo, 'hack/stack'), 'status', 'redis'], { encoding: 'utf8' });
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/redis\s+up/);
  });
});
