import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes a Prometheus file_sd target for this instance (local runs: the stack's Prometheus
 * watches the folder) and returns a function that removes it. Written to a temporary name and
 * renamed, so Prometheus never reads half a file. (Same helper as order-api's; see
 * docs/requests-for-B.md about sharing it.)
 */
export async function writePrometheusTarget(dir: string, job: string, address: string): Promise<() => Promise<void>> {
  const file = join(dir, `${job}-${address.replace(/[^a-zA-Z0-9]+/g, '_')}.json`);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify([{ targets: [address], labels: { job, service: job } }], null, 2)}\n`);
  await rename(tmp, file);
  return () => rm(file, { force: true });
}
