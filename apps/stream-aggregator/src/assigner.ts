import type { GroupPartitionsAssigner, GroupPartitionsAssignments } from '@platformatic/kafka';

/**
 * Gives every partition to one member of the group; the others are hot standbys. The windows
 * are global (one figure per minute across all orders), so exactly one instance must see all
 * events to emit a complete window exactly once. The owner stays the owner across rebalances
 * (it is the member that already holds partitions); when it dies a standby takes over at once
 * and restores the windows from the changelog. docs/kafka.md explains the trade-off.
 */
export const singleOwnerAssigner: GroupPartitionsAssigner = (_current, members, topics, metadata) => {
  const ids = [...members.keys()].sort();
  const holder = ids.find((id) => (members.get(id)?.ownedPartitions?.length ?? 0) > 0) ?? ids[0];
  const result: GroupPartitionsAssignments[] = [];
  for (const memberId of ids) {
    const assignments = new Map<string, { topic: string; partitions: number[] }>();
    if (memberId === holder) {
      for (const topic of topics) {
        const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
        assignments.set(topic, { topic, partitions: Array.from({ length: count }, (_, i) => i) });
      }
    }
    result.push({ memberId, assignments });
  }
  return result;
};
