import type { DriverConsumer, TopicPartitionOffset } from '../driver/types.js';
import { DriverError, OrdoError, isRetriable } from '../errors.js';
import { sleep } from '../internal/sleep.js';
import type { TypedEmitter } from '../internal/typed-emitter.js';
import type { ConsumerEvents } from './consumer-events.js';
import type { PartitionState } from './partition-state.js';

/**
 * Commits the completed prefix of owned partitions (O2): on an interval after work
 * completes, and on demand at revoke and stop. Commits never overlap, and never
 * include a partition this member no longer owns.
 */
export class Committer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly driver: DriverConsumer,
    private readonly events: TypedEmitter<ConsumerEvents>,
    private readonly intervalMs: number,
    private readonly owned: () => Iterable<PartitionState>,
    private readonly owns: (state: PartitionState) => boolean,
  ) {}

  /** Commits within the interval, unless a commit is already scheduled. */
  schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.commit([...this.owned()]);
    }, this.intervalMs);
  }

  /** Resolves false when a retriable failure left something uncommitted. */
  commit(states: readonly PartitionState[]): Promise<boolean> {
    const run = this.chain.then(() => this.commitNow(states));
    this.chain = run.then(() => undefined);
    return run;
  }

  /**
   * Final commit at stop: a rebalance elsewhere in the group can refuse it for a moment,
   * and what is not committed would be redone by the next owner, so retry until `deadline`.
   */
  async commitFinal(states: readonly PartitionState[], deadline: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (
      let delay = 50;
      !(await this.commit(states)) && Date.now() + delay < deadline;
      delay = Math.min(delay * 2, 1_000)
    ) {
      await sleep(delay);
    }
  }

  private async commitNow(states: readonly PartitionState[]): Promise<boolean> {
    const offsets: Array<TopicPartitionOffset & { state: PartitionState }> = [];
    for (const state of states) {
      // An abandoned partition still commits the prefix completed before it was abandoned.
      if (!this.owns(state)) continue;
      const offset = state.tracker.committable();
      if (offset !== undefined) offsets.push({ topic: state.topic, partition: state.partition, offset, state });
    }
    if (offsets.length === 0) return true;
    const plain = offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
    try {
      await this.driver.commit(plain);
    } catch (error) {
      const wrapped =
        error instanceof OrdoError
          ? error
          : new DriverError(`Commit failed: ${String(error)}`, { retriable: true, cause: error });
      this.events.emit('error', { error: wrapped });
      if (!isRetriable(wrapped)) return true;
      this.schedule();
      return false;
    }
    for (const o of offsets) o.state.tracker.markCommitted(o.offset);
    this.events.emit('committed', { offsets: plain });
    return true;
  }
}
