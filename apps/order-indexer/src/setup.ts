import type { Client } from '@opensearch-project/opensearch';
import { indexTemplates, retentionPolicy, type IndexNames } from './index-layout.ts';

/** How retention is enforced on this cluster. */
export type RetentionMode = 'ism' | 'sweeper';

/**
 * Puts the index templates, creates the orders and alerts indices, and installs the ISM
 * retention policy when the cluster has the index-management plugin. Idempotent: every
 * instance runs it at start. Returns which retention mechanism applies.
 */
export async function ensureIndexLayout(client: Client, names: IndexNames, retentionMonths: number): Promise<RetentionMode> {
  for (const [name, body] of Object.entries(indexTemplates(names))) {
    await client.indices.putIndexTemplate({ name, body });
  }
  for (const index of [names.orders, names.alerts]) {
    const exists = await client.indices.exists({ index });
    if (exists.body) continue;
    await client.indices.create({ index }).catch((err: unknown) => {
      // Another instance created it meanwhile: that is the state we wanted.
      if (!isAlreadyExists(err)) throw err;
    });
  }
  if (!(await hasIsm(client))) return 'sweeper';
  await client.transport.request({ method: 'PUT', path: `/_plugins/_ism/policies/${encodeURIComponent(names.retentionPolicy)}`, body: retentionPolicy(names, retentionMonths) }).catch((err: unknown) => {
    // An existing policy needs seq_no/primary_term to update; the one in place is kept.
    if (!isConflict(err)) throw err;
  });
  return 'ism';
}

async function hasIsm(client: Client): Promise<boolean> {
  const plugins = await client.cat.plugins({ format: 'json' });
  return (plugins.body as Array<{ component?: string }>).some((p) => p.component === 'opensearch-index-management');
}

function statusOf(err: unknown): number | undefined {
  return (err as { meta?: { statusCode?: number } }).meta?.statusCode;
}

function isAlreadyExists(err: unknown): boolean {
  return statusOf(err) === 400 && JSON.stringify((err as { meta?: { body?: unknown } }).meta?.body ?? '').includes('resource_already_exists_exception');
}

function isConflict(err: unknown): boolean {
  return statusOf(err) === 409;
}
