import { describe, expect, it } from 'vitest';
import { screenDelivery } from './screen.ts';

describe('screenDelivery', () => {
  it('charges an order it has no row for, whatever copy brought it', () => {
    expect(screenDelivery(undefined, undefined, 2599)).toBe('charge');
    expect(screenDelivery(undefined, 'copy-1', 2599)).toBe('charge');
  });

  it('never charges a paid order again, from any copy', () => {
    expect(screenDelivery({ status: 'paid', liveCopy: undefined }, undefined, 2599)).toBe('duplicate');
    expect(screenDelivery({ status: 'paid', liveCopy: undefined }, 'copy-1', 2599)).toBe('duplicate');
  });

  it('lets only the live copy of an unpaid order act', () => {
    expect(screenDelivery({ status: 'pending', liveCopy: 'copy-2' }, 'copy-2', 2599)).toBe('charge');
    expect(screenDelivery({ status: 'pending', liveCopy: 'copy-2' }, 'copy-1', 2599)).toBe('superseded');
    // A fresh relay copy of an order that already has a retry or a dead letter in play.
    expect(screenDelivery({ status: 'pending', liveCopy: 'copy-2' }, undefined, 2599)).toBe('superseded');
    expect(screenDelivery({ status: 'failed', liveCopy: 'dead-1' }, undefined, 2599)).toBe('superseded');
    // The replayed dead letter carries the live copy id.
    expect(screenDelivery({ status: 'failed', liveCopy: 'dead-1' }, 'dead-1', 2599)).toBe('charge');
    // Rows written before copies had ids: a copy without one acts.
    expect(screenDelivery({ status: 'pending', liveCopy: undefined }, undefined, 2599)).toBe('charge');
  });

  it('settles a zero total without a charge', () => {
    expect(screenDelivery(undefined, undefined, 0)).toBe('free');
    expect(screenDelivery({ status: 'paid', liveCopy: undefined }, undefined, 0)).toBe('duplicate');
  });
});
