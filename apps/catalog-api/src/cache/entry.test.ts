import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry } from './entry.ts';
import { jitteredTtl } from './ttl.ts';

describe('cache entry encoding', () => {
  it('round-trips values and tombstones with their versions', () => {
    for (const entry of [{ version: 7, json: '{"sku":"A:1","name":"x"}' }, { version: 3, json: null }, { version: 0, json: null }]) {
      expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
    }
  });

  it('refuses what it did not write', () => {
    for (const raw of ['', ':{}', 'x:{}', '-1:{}', '1.5:{}', 'plain']) expect(decodeEntry(raw)).toBeUndefined();
  });
});

describe('jitteredTtl', () => {
  it('stays within base .. base + jitter', () => {
    expect(jitteredTtl(1_000, 100, () => 0)).toBe(1_000);
    expect(jitteredTtl(1_000, 100, () => 0.999_999)).toBe(1_100);
    expect(jitteredTtl(1_000, 0, () => 0.5)).toBe(1_000);
  });
});
