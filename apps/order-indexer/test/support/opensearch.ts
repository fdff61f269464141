import { Client } from '@opensearch-project/opensearch';
import { stackSetting, uniqueName } from '@orderflow/testkit';
import { indexNames, type IndexNames } from '../../src/index-layout.ts';

/** The shared stack's OpenSearch URL. */
export function openSearchUrl(): string {
  return stackSetting('OPENSEARCH_URL');
}

/** A prefix of its own for one test file: indices, alias and templates never collide. */
export function testIndexPrefix(): { prefix: string; names: IndexNames } {
  const prefix = uniqueName('test').toLowerCase();
  return { prefix, names: indexNames(prefix) };
}

/** Removes what a test prefix created (indices and templates). */
export async function dropIndexPrefix(url: string, prefix: string): Promise<void> {
  const client = new Client({ node: url });
  try {
    await client.indices.delete({ index: `${prefix}-*`, expand_wildcards: 'all' }).catch(() => undefined);
    const names = indexNames(prefix);
    for (const name of [names.eventsTemplate, names.ordersTemplate, names.alertsTemplate]) {
      await client.indices.deleteIndexTemplate({ name }).catch(() => undefined);
    }
  } finally {
    await client.close();
  }
}

/** Documents in `index` (after a refresh, so everything acknowledged counts). */
export async function countDocs(client: Client, index: string, query: Record<string, unknown> = { match_all: {} }): Promise<number> {
  await client.indices.refresh({ index });
  return ((await client.count({ index, body: { query } })).body as { count: number }).count;
}

/** A search with a body built in the test; the raw response body (the client's types are stricter than the API). */
export async function rawSearch<T>(client: Client, index: string, body: Record<string, unknown>): Promise<T> {
  await client.indices.refresh({ index });
  return (await client.search({ index, body })).body as T;
}
