import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('paging cursor', () => {
  it('round-trips microsecond time and id', () => {
    const c = { createdAt: '2026-11-25T09:00:00.123456Z', id: '0b6f6f3c-8a3e-4b55-a1c2-9f0e8d7c6b5a' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });

  it('refuses cursors it did not make', () => {
    for (const bad of ['', 'abc', Buffer.from('2026|x').toString('base64url'), Buffer.from("'; drop table orders; --|x").toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: 'ORDERS_ERR_INVALID_CURSOR' }));
    }
  });
});
