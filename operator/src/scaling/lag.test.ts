import { describe, expect, it } from 'vitest';
import { kafkaLag, rabbitBacklog } from './lag.ts';

describe('lag math', () => {
  const partitions = [
    { partition: 0, high: 100n, low: 0n, committed: 40n },
    { partition: 1, high: 50n, low: 0n, committed: 50n },
    { partition: 2, high: 10n, low: 0n, committed: -1n },
  ];

  it('sums per-partition lag from the committed offset', () => {
    expect(kafkaLag(partitions.slice(0, 2), 'latest')).toBe(60);
    expect(kafkaLag(partitions.slice(0, 2), 'earliest')).toBe(60);
  });

  it('a partition without a committed offset adds nothing with latest (the group starts at the end), everything retained with earliest', () => {
    expect(kafkaLag(partitions, 'latest')).toBe(60);
    expect(kafkaLag(partitions, 'earliest')).toBe(60 + 10);
    // A brand-new group on a full topic: no lag to scale on with latest.
    expect(kafkaLag([{ partition: 0, high: 5000n, low: 0n, committed: -1n }], 'latest')).toBe(0);
  });

  it('a committed offset that fell off retention resets as the policy says', () => {
    expect(kafkaLag([{ partition: 0, high: 100n, low: 80n, committed: 10n }], 'earliest')).toBe(20);
    expect(kafkaLag([{ partition: 0, high: 100n, low: 80n, committed: 10n }], 'latest')).toBe(0);
    expect(kafkaLag([{ partition: 0, high: 100n, low: 80n, committed: -1n }], 'earliest')).toBe(20);
  });

  it('counts ready and unacknowledged RabbitMQ messages', () => {
    expect(rabbitBacklog({ messagesReady: 7, messagesUnacknowledged: 3 })).toBe(10);
  });
});
