import type { Client } from '@opensearch-project/opensearch';
import type { IndexNames } from './index-layout.ts';

/**
 * Monthly event indices whose month ended more than `months` months before `now`. Names not
 * of the form `<alias>-YYYY.MM` are never touched.
 */
export function expiredEventIndices(names: IndexNames, indices: readonly string[], months: number, now: Date): string[] {
  const prefix = `${names.eventsAlias}-`;
  const cutoff = now.getUTCFullYear() * 12 + now.getUTCMonth() - months;
  return indices.filter((index) => {
    if (!index.startsWith(prefix)) return false;
    const match = /^(\d{4})\.(\d{2})$/.exec(index.slice(prefix.length));
    if (match === null) return false;
    return Number(match[1]) * 12 + (Number(match[2]) - 1) < cutoff;
  });
}

/**
 * Retention where the cluster has no index-management plugin (the local runner): deletes
 * monthly event indices older than `months`, what the ISM policy's delete state does. Returns
 * the deleted names.
 */
export async function sweepExpiredIndices(client: Client, names: IndexNames, months: number, now = new Date()): Promise<string[]> {
  const listed = await client.cat.indices({ index: names.eventsPattern, format: 'json', h: ['index'] });
  const expired = expiredEventIndices(names, (listed.body as Array<{ index: string }>).map((i) => i.index), months, now);
  if (expired.length > 0) await client.indices.delete({ index: expired.join(',') });
  return expired;
}
