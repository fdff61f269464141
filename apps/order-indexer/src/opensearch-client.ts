import { Client } from '@opensearch-project/opensearch';

/** Connection settings for the OpenSearch client. */
export interface OpenSearchSettings {
  url: string;
  username?: string;
  password?: string;
  requestTimeoutMs: number;
}

/**
 * One client per process. The client's own retries are off: the indexer decides what to retry
 * (a bulk request is retried as a whole until it succeeds; see bulk-writer.ts).
 */
export function createOpenSearchClient(settings: OpenSearchSettings): Client {
  return new Client({
    node: settings.url,
    requestTimeout: settings.requestTimeoutMs,
    maxRetries: 0,
    ...(settings.username !== undefined && settings.password !== undefined && { auth: { username: settings.username, password: settings.password } }),
  });
}
