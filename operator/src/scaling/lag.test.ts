import { describe, expect, it } from 'vitest';
import { kafkaLag, rabbitBacklog } from './lag.ts';

describe('lag math', () => {
  it('sums per-partition lag from the committed offset', () => {
    expect(
      kafkaLag([
        { partition: 0, high: 100n, low: 0n, committed: 40n },
        { partition: 1, high: 50n, low: 0n, committed: 50n },
        { partition: 2, high: 10n, low: 0n, committed: -1n },
      ]),
    ).toBe(60 + 0 + 10);
  });

  it('counts from the log start when the committed offset fell off retention', () => {
    expect(kafkaLag([{ partition: 0, high: 100n, low: 80n, committed: 10n }])).toBe(20);
    expect(kafkaLag([{ partition: 0, high: 100n, low: 80n, committed: -1n }])).toBe(20);
  });

  it('counts ready and unacknowledged RabbitMQ messages', () => {
    expect(rabbitBacklog({ messagesReady: 7, messagesUnacknowledged: 3 })).toBe(10);
  });
});
