import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes a Prometheus file_sd target for this instance's /metrics (local runs: the stack's
 * Prometheus watches `dir`) and returns a function that removes it again at shutdown. Written
 * to a temporary name and renamed, so Prometheus never reads half a file.
 */
export async function writePrometheusTarget(dir: string, job: string, address: string): Promise<() => Promise<void>> {
  const file = join(dir, `${job}-${address.replace(/[^a-zA-Z0-9]+/g, '_')}.json`);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify([{ targets: [address], labels: { job, service: job } }], null, 2)}\n`);
  await rename(tmp, file);
  return () => rm(file, { force: true });
}
