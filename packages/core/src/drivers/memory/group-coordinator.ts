import { NotMemberError } from '../../errors.js';
import { tpKey } from '../../driver/topic-partition.js';
import type { TopicPartition, TopicPartitionOffset } from '../../driver/types.js';
import { assignSticky } from './assignor.js';
import type { MemoryBroker } from './memory-broker.js';

/** What the coordinator needs of a member (implemented by `MemoryConsumer`). */
export interface GroupMember {
  readonly memberId: string;
  readonly topics: ReadonlySet<string>;
  owned(): TopicPartition[];
  /** Runs the member's revoke callback, then drops ownership. */
  revoke(partitions: readonly TopicPartition[]): Promise<void>;
  /** Takes ownership at the committed offsets, then runs the assign callback. */
  assign(partitions: readonly TopicPartition[]): Promise<void>;
}

/** One commit as the group saw it; tests use the log to check who committed what. */
export interface CommitLogEntry extends TopicPartitionOffset {
  readonly groupId: string;
  readonly memberId: string;
  /** Whether the member owned the partition when it committed. */
  readonly owned: boolean;
  readonly generation: number;
}

/**
 * A consumer group: members, committed offsets and rebalances. Rebalances run one
 * at a time and in two phases, like Kafka's cooperative protocol: every partition
 * that moves is first revoked (its old owner drains and commits), and only then
 * assigned to its new owner, so two members never own a partition at once.
 */
export class GroupCoordinator {
  private readonly members = new Map<string, GroupMember>();
  private readonly leaving = new Set<string>();
  private readonly committed = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();
  private generation = 0;

  constructor(
    readonly groupId: string,
    private readonly broker: MemoryBroker,
    private readonly commitLog: CommitLogEntry[],
  ) {}

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  subscribes(topic: string): boolean {
    return [...this.members.values()].some((m) => m.topics.has(topic));
  }

  join(member: GroupMember): Promise<void> {
    this.members.set(member.memberId, member);
    return this.rebalance();
  }

  /** Graceful leave: the member's partitions are revoked through its callback first. */
  async leave(member: GroupMember): Promise<void> {
    this.leaving.add(member.memberId);
    try {
      await this.rebalance();
    } finally {
      this.members.delete(member.memberId);
      this.leaving.delete(member.memberId);
    }
  }

  /** Crash: the member is gone at once; its partitions move without a revoke callback. */
  crash(member: GroupMember): Promise<void> {
    this.members.delete(member.memberId);
    return this.rebalance();
  }

  rebalance(): Promise<void> {
    const run = this.chain.then(() => this.runRebalance());
    this.chain = run.catch(() => undefined);
    return run;
  }

  committedOffset(tp: TopicPartition): number | undefined {
    return this.committed.get(tpKey(tp));
  }

  /** Stores offsets; refused once the member has left or crashed. */
  commit(member: GroupMember, offsets: readonly TopicPartitionOffset[]): void {
    if (this.members.get(member.memberId) !== member) {
      throw new NotMemberError(this.groupId, member.memberId);
    }
    const owned = new Set(member.owned().map(tpKey));
    for (const o of offsets) {
      this.committed.set(tpKey(o), o.offset);
      this.commitLog.push({
        groupId: this.groupId,
        memberId: member.memberId,
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
        owned: owned.has(tpKey(o)),
        generation: this.generation,
      });
    }
  }

  /** Current owner of each partition, by member id. */
  assignments(): Map<string, TopicPartition[]> {
    return new Map([...this.members.values()].map((m) => [m.memberId, m.owned()]));
  }

  private async runRebalance(): Promise<void> {
    const active = [...this.members.values()].filter((m) => !this.leaving.has(m.memberId));
    const partitionsByTopic = new Map<string, number>();
    for (const m of active) {
      for (const topic of m.topics) {
        if (this.broker.has(topic)) partitionsByTopic.set(topic, this.broker.describe(topic).partitions);
      }
    }
    const target = assignSticky(
      active.map((m) => ({ id: m.memberId, topics: m.topics, owned: m.owned() })),
      partitionsByTopic,
    );
    await Promise.all(
      [...this.members.values()].map((m) => {
        const keep = new Set((target.get(m.memberId) ?? []).map(tpKey));
        const revoked = m.owned().filter((tp) => !keep.has(tpKey(tp)));
        return revoked.length > 0 ? m.revoke(revoked) : undefined;
      }),
    );
    this.generation++;
    await Promise.all(
      active
        .filter((m) => this.members.get(m.memberId) === m)
        .map((m) => {
          const owned = new Set(m.owned().map(tpKey));
          const added = (target.get(m.memberId) ?? []).filter((tp) => !owned.has(tpKey(tp)));
          return added.length > 0 ? m.assign(added) : undefined;
        }),
    );
  }
}
