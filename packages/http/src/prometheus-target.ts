import { spawn } from 'node:child_process';
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// The owning pid is part of the file name: whoever finds the file can tell whether its
// process still exists, and a restarted instance on the same address never shares a file
// with the one before it.
const TARGET_FILE = /-pid(\d+)\.json$/;

/**
 * Writes a Prometheus file_sd target for this instance's /metrics (local runs: the stack's
 * Prometheus watches `dir`) and returns a function that removes it again at shutdown.
 *
 * The target disappears with the process however it ends: a detached watcher holds the other
 * end of a pipe from this process and deletes the file when the kernel closes that pipe (exit,
 * crash or SIGKILL alike), so Prometheus never keeps scraping a dead instance as `up == 0`.
 * Targets left by processes that died without their watcher are removed here on the next
 * write. Written to a temporary name and renamed, so Prometheus never reads half a file.
 */
export async function writePrometheusTarget(dir: string, job: string, address: string): Promise<() => Promise<void>> {
  await removeDeadTargets(dir);
  const file = join(dir, `${job}-${address.replace(/[^a-zA-Z0-9]+/g, '_')}-pid${process.pid}.json`);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify([{ targets: [address], labels: { job, service: job } }], null, 2)}\n`);
  await rename(tmp, file);
  const stopWatcher = removeOnExit(file);
  return async () => {
    await rm(file, { force: true });
    stopWatcher();
  };
}

/** Deletes the target files in `dir` whose owning process no longer exists. */
export async function removeDeadTargets(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const pid = TARGET_FILE.exec(name)?.[1];
    if (pid !== undefined && !processExists(Number(pid))) await rm(join(dir, name), { force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it just belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Starts the watcher for `file`: `cat` reads the pipe until this process's end closes, then
 * the file goes. Its own session, so killing this process's group does not take it along.
 * Returns a function that lets it go early (graceful shutdown removed the file already).
 */
function removeOnExit(file: string): () => void {
  const watcher = spawn('/bin/sh', ['-c', 'cat >/dev/null; exec rm -f -- "$1"', 'orderflow-target-watcher', file], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // Without a shell the sweep in removeDeadTargets still catches the file later; a target
  // registration must never take the service down.
  watcher.on('error', () => undefined);
  watcher.stdin.on('error', () => undefined);
  // Neither the watcher nor its pipe may keep this process alive.
  watcher.unref();
  (watcher.stdin as unknown as { unref?: () => void }).unref?.();
  return () => watcher.stdin.end();
}
