import { BadCursor } from '../errors.ts';

/** Sort values of the last hit of a page: `[createdAt epoch ms, orderId]`. */
export type SortValues = [number, string];

/**
 * The opaque `search_after` cursor: base64url of the last hit's sort values. Clients pass it
 * back untouched; anything else is refused with a coded error rather than sent to OpenSearch.
 */
export function encodeCursor(values: SortValues): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/** The sort values in a cursor this API issued; throws `BadCursor` otherwise. */
export function decodeCursor(cursor: string): SortValues {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadCursor([]);
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'number' || !Number.isFinite(parsed[0]) || typeof parsed[1] !== 'string') throw new BadCursor([]);
  return [parsed[0], parsed[1]];
}
