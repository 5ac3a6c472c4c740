import type { SqlDatabase } from '../sql/database.js';
import type { SqlExecutor } from '../sql/sql-executor.js';
import type { OutboxDialect } from './outbox-dialect.js';
import type { ResolvedOutboxTables } from './outbox-tables.js';

/**
 * Shards held by relays of this process, per database object. Database locks already keep
 * relays on different connections apart; this also keeps apart two relays sharing one
 * PGlite instance, whose single session would be granted the same lock twice.
 */
const claimedInProcess = new WeakMap<object, Map<string, Set<number>>>();

/** Options of {@link ShardLeases}. */
export interface ShardLeasesOptions {
  readonly database: SqlDatabase;
  readonly dialect: OutboxDialect;
  readonly tables: ResolvedOutboxTables;
  /** The outbox table's identity in the database: names the leases. */
  readonly identity: string;
  /** The relay's session: leases live as long as its connection. */
  readonly session: SqlExecutor;
  readonly shards: number;
  /** Most shards this relay holds at once. */
  readonly maxShards: number;
}

/** The shard leases one relay holds on its session. */
export class ShardLeases {
  private readonly held = new Set<number>();

  constructor(private readonly options: ShardLeasesOptions) {}

  /** Shards held, ascending. */
  get owned(): number[] {
    return [...this.held].sort((a, b) => a - b);
  }

  /** Tries every shard not held yet; returns those newly taken. */
  async acquireFree(): Promise<number[]> {
    const { dialect, identity, session, shards } = this.options;
    const claimed = this.claimed();
    const taken: number[] = [];
    for (let shard = 0; shard < shards; shard++) {
      if (this.held.size >= this.options.maxShards) break;
      if (this.held.has(shard) || claimed.has(shard)) continue;
      claimed.add(shard);
      if (await dialect.tryLease(session, identity, shard).catch((error: unknown) => fail(claimed, shard, error))) {
        this.held.add(shard);
        taken.push(shard);
      } else {
        claimed.delete(shard);
      }
    }
    return taken;
  }

  /** Gives every lease back (the session stays open). */
  async releaseAll(): Promise<void> {
    const { dialect, identity, session } = this.options;
    for (const shard of this.owned) await dialect.releaseLease(session, identity, shard);
    this.forget();
  }

  /** Forgets the leases without telling the database: its connection is gone, and the locks with it. */
  forget(): void {
    const claimed = this.claimed();
    for (const shard of this.held) claimed.delete(shard);
    this.held.clear();
  }

  private claimed(): Set<number> {
    let byTable = claimedInProcess.get(this.options.database);
    if (!byTable) claimedInProcess.set(this.options.database, (byTable = new Map()));
    let set = byTable.get(this.options.identity);
    if (!set) byTable.set(this.options.identity, (set = new Set()));
    return set;
  }
}

function fail(claimed: Set<number>, shard: number, error: unknown): never {
  claimed.delete(shard);
  throw error;
}
