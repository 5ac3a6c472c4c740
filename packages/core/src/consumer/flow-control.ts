import type { DriverConsumer } from '../driver/types.js';
import type { TypedEmitter } from '../internal/typed-emitter.js';
import type { ConsumerEvents } from './consumer-events.js';
import type { PartitionState } from './partition-state.js';

/**
 * Pausing and resuming partitions, for two independent reasons: a full buffer
 * (backpressure) and an open breaker (O4). A partition resumes only when neither
 * holds it.
 */
export class FlowControl {
  constructor(
    private readonly driver: DriverConsumer,
    private readonly events: TypedEmitter<ConsumerEvents>,
    private readonly maxBufferedPerPartition: number,
    private readonly stopping: () => boolean,
  ) {}

  /** Pauses at `maxBufferedPerPartition` records buffered; resumes at half of it. */
  applyBackpressure(state: PartitionState): void {
    const max = this.maxBufferedPerPartition;
    const buffered = state.buffered;
    if (!state.paused && buffered >= max) {
      state.paused = true;
      this.driver.pause([state]);
    } else if (state.paused && buffered <= max / 2 && !state.closing && !this.stopping()) {
      state.paused = false;
      if (!state.breakerPaused) this.driver.resume([state]);
    } else {
      return;
    }
    const partition = { topic: state.topic, partition: state.partition };
    this.events.emit('backpressure', { partition, paused: state.paused, buffered });
  }

  pauseForBreaker(state: PartitionState): void {
    state.breakerPaused = true;
    this.driver.pause([state]);
  }

  resumeAfterBreaker(state: PartitionState): void {
    state.breakerPaused = false;
    if (!state.paused && !state.closing && !this.stopping()) this.driver.resume([state]);
  }
}
