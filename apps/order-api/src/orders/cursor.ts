import { InvalidCursor } from '../errors.ts';

/** Position after the last order of a page: its exact creation time and id (ties on time are common in batches). */
export interface Cursor {
  createdAt: string;
  id: string;
}

const EXACT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.createdAt}|${c.id}`, 'utf8').toString('base64url');
}

/** Throws `ORDERS_ERR_INVALID_CURSOR` for anything {@link encodeCursor} did not make. */
export function decodeCursor(text: string): Cursor {
  const [createdAt, id, ...rest] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || createdAt === undefined || id === undefined || !EXACT_TIME.test(createdAt) || !UUID.test(id)) {
    throw new InvalidCursor([]);
  }
  return { createdAt, id };
}
