import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('cursor', () => {
  it('round-trips the sort values and refuses anything it did not issue', () => {
    expect(decodeCursor(encodeCursor([1_764_000_000_000, 'a-b']))).toEqual([1_764_000_000_000, 'a-b']);
    for (const forged of ['%%%', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1,2]').toString('base64url'), Buffer.from('["x","y"]').toString('base64url')]) {
      expect(() => decodeCursor(forged)).toThrow(/cursor is not one this API issued/);
    }
  });
});
