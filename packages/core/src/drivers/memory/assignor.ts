import { compareTopicPartitions, tpKey } from '../../driver/topic-partition.js';
import type { TopicPartition } from '../../driver/types.js';

/** A group member as the assignor sees it. */
export interface AssignorMember {
  readonly id: string;
  readonly topics: ReadonlySet<string>;
  readonly owned: readonly TopicPartition[];
}

/**
 * Sticky, balanced assignment. Each member keeps what it owns up to its fair share,
 * so a rebalance moves only the partitions it must (what Kafka's cooperative-sticky
 * assignor aims for). Deterministic: same input, same output.
 *
 * @param members in join order
 * @param partitionsByTopic partition count of every subscribed topic
 */
export function assignSticky(
  members: readonly AssignorMember[],
  partitionsByTopic: ReadonlyMap<string, number>,
): Map<string, TopicPartition[]> {
  const result = new Map<string, TopicPartition[]>(members.map((m) => [m.id, []]));
  const topics = [...partitionsByTopic.keys()].sort();
  for (const topic of topics) {
    const eligible = members.filter((m) => m.topics.has(topic));
    if (eligible.length === 0) continue;
    const count = partitionsByTopic.get(topic)!;
    const floor = Math.floor(count / eligible.length);
    const extra = count % eligible.length;
    const taken = new Set<string>();
    // Members that already own the most get the extra partitions: fewer moves.
    const byOwned = [...eligible].sort((a, b) => ownedIn(b, topic).length - ownedIn(a, topic).length);
    const quota = new Map(byOwned.map((m, i) => [m.id, floor + (i < extra ? 1 : 0)]));
    // First pass: keep current ownership up to each member's quota.
    for (const m of eligible) {
      const keep = ownedIn(m, topic)
        .filter((tp) => tp.partition < count)
        .slice(0, quota.get(m.id));
      for (const tp of keep) {
        taken.add(tpKey(tp));
        result.get(m.id)!.push(tp);
      }
    }
    // Second pass: hand the rest to members below quota, in partition order.
    let cursor = 0;
    for (let p = 0; p < count; p++) {
      const tp = { topic, partition: p };
      if (taken.has(tpKey(tp))) continue;
      while (inTopic(result.get(eligible[cursor]!.id)!, topic) >= quota.get(eligible[cursor]!.id)!) {
        cursor++;
      }
      result.get(eligible[cursor]!.id)!.push(tp);
    }
  }
  for (const list of result.values()) list.sort(compareTopicPartitions);
  return result;
}

function ownedIn(member: AssignorMember, topic: string): TopicPartition[] {
  return member.owned.filter((tp) => tp.topic === topic).sort(compareTopicPartitions);
}

function inTopic(list: readonly TopicPartition[], topic: string): number {
  return list.filter((tp) => tp.topic === topic).length;
}
