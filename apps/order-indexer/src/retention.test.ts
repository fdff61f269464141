import { describe, expect, it } from 'vitest';
import { indexNames } from './index-layout.ts';
import { expiredEventIndices } from './retention.ts';

describe('expiredEventIndices', () => {
  const names = indexNames('orderflow');
  it('keeps the last N months and never touches other names', () => {
    const indices = ['orderflow-order-events-2025.09', 'orderflow-order-events-2025.10', 'orderflow-order-events-2026.11', 'orderflow-orders', 'orderflow-order-events-junk'];
    expect(expiredEventIndices(names, indices, 13, new Date('2026-11-28T08:00:00Z'))).toEqual(['orderflow-order-events-2025.09']);
  });
});
