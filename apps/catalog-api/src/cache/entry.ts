/**
 * One cached value with the version it was read or written at. `json` is the value as JSON, or
 * `null` for "no such product" (a tombstone after a delete, or a SKU never created: version 0).
 */
export interface CacheEntry {
  version: number;
  json: string | null;
}

const TOMBSTONE = 'null';

/**
 * Stored as `<version>:<json>` so the compare-and-set script reads the version without a JSON
 * parser, and a hit can be sent to the client without parsing it either.
 */
export function encodeEntry(entry: CacheEntry): string {
  return `${entry.version}:${entry.json ?? TOMBSTONE}`;
}

/** The entry in `raw`, or undefined when it is not one this service wrote. */
export function decodeEntry(raw: string): CacheEntry | undefined {
  const colon = raw.indexOf(':');
  if (colon < 1) return undefined;
  const version = Number(raw.slice(0, colon));
  if (!Number.isSafeInteger(version) || version < 0) return undefined;
  const json = raw.slice(colon + 1);
  return { version, json: json === TOMBSTONE ? null : json };
}
