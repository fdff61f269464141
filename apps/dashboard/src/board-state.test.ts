import { describe, expect, it } from 'vitest';
import { BoardState, STALE_HEARTBEATS_BEFORE_RESYNC } from '../public/board-state.js';

const limits = { maxOrders: 3, maxAgeSeconds: 3_600, maxWindows: 2, maxAlerts: 2 };
const order = (orderId: string, version: number, status = 'payment_pending', updatedAt = `2026-11-28T07:00:0${version}.000Z`) => ({ orderId, status, version, region: 'eu', updatedAt });

function synced(seq = 10): BoardState {
  const state = new BoardState();
  state.applySnapshot({ seq, orders: [order('a', 2)], stats: [], alerts: [], limits });
  return state;
}

describe('the page’s board state', () => {
  it('applies the next change, ignores what the snapshot already had, and asks for a resync on a gap', () => {
    const state = synced(10);
    expect(state.applyChange({ seq: 9, kind: 'order', data: order('a', 1, 'accepted') })).toBe('stale');
    expect(state.applyChange({ seq: 11, kind: 'order', data: order('a', 3, 'paid') })).toBe('applied');
    expect(state.applyChange({ seq: 13, kind: 'order', data: order('b', 1, 'accepted') })).toBe('gap');
    expect(state.seq).toBe(11);
    expect(state.orders.has('b')).toBe(false);
  });

  it('ignores changes until the first snapshot', () => {
    expect(new BoardState().applyChange({ seq: 1, kind: 'order', data: order('a', 1) })).toBe('unsynced');
  });

  it('never moves an order to a lower version', () => {
    const state = synced(10);
    state.applyChange({ seq: 11, kind: 'order', data: order('a', 5, 'paid') });
    state.applyChange({ seq: 12, kind: 'order', data: order('a', 4, 'payment_failed') });
    expect(state.orders.get('a')).toMatchObject({ version: 5, status: 'paid' });
  });

  it('resyncs only after several heartbeats behind with no change in between', () => {
    const state = synced(10);
    for (let i = 1; i < STALE_HEARTBEATS_BEFORE_RESYNC; i++) expect(state.heartbeat(12)).toBe(false);
    state.applyChange({ seq: 11, kind: 'order', data: order('c', 1) }); // progress resets the count
    for (let i = 1; i < STALE_HEARTBEATS_BEFORE_RESYNC; i++) expect(state.heartbeat(12)).toBe(false);
    expect(state.heartbeat(12)).toBe(true);
    expect(synced(12).heartbeat(12)).toBe(false);
  });

  it('keeps the limits of the snapshot: most recently changed orders, newest windows', () => {
    const state = synced(0);
    state.applyChange({ seq: 1, kind: 'order', data: order('b', 3) });
    state.applyChange({ seq: 2, kind: 'order', data: order('c', 4) });
    state.applyChange({ seq: 3, kind: 'order', data: order('d', 5) });
    expect([...state.orders.keys()].sort()).toEqual(['b', 'c', 'd']);
    expect(state.recentOrders(Date.parse('2026-11-28T07:10:00Z')).map((o) => o.orderId)).toEqual(['d', 'c', 'b']);
    const w = (minute: number) => ({ windowStart: `2026-11-28T07:0${minute}:00.000Z`, windowEnd: '', orderCount: minute, tps: minute / 60, revenueMinorByCurrency: {}, final: minute < 3, emittedAt: '' });
    for (const [i, m] of [1, 2, 3].entries()) state.applyChange({ seq: 4 + i, kind: 'stats', data: w(m) });
    expect(state.currentStats().current?.orderCount).toBe(3);
    expect(state.currentStats().lastFinal?.orderCount).toBe(2);
    expect(state.stats.size).toBe(2);
  });
});
