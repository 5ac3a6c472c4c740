import type { Breaker, BreakerState } from '../dead-letter/breaker.js';
import type { DriverConsumer } from '../driver/types.js';
import type { Logger } from '../internal/logger.js';
import type { TypedEmitter } from '../internal/typed-emitter.js';
import type { ConsumerEvents } from './consumer-events.js';
import type { PartitionState } from './partition-state.js';

/**
 * Pausing and resuming partitions, for two independent reasons: a full buffer
 * (backpressure) and an open breaker (O4). A partition resumes only when neither
 * holds it.
 */
export class FlowControl {
  private readonly maxBufferedPerPartition: number;
  private readonly logger: Logger;

  constructor(
    private readonly driver: DriverConsumer,
    private readonly events: TypedEmitter<ConsumerEvents>,
    config: { readonly maxBufferedPerPartition: number; readonly logger: Logger },
    private readonly stopping: () => boolean,
  ) {
    this.maxBufferedPerPartition = config.maxBufferedPerPartition;
    this.logger = config.logger;
  }

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

  /** Says loudly when a topic's breaker opens or closes, and pauses or resumes its partitions. */
  onBreaker(states: readonly PartitionState[], breaker: Breaker, from: BreakerState, to: BreakerState): void {
    const topic = breaker.topic;
    if (to === 'open' && from === 'half-open') {
      this.logger.warn(`Breaker probe failed on "${topic}": staying open`);
    } else if (to === 'open') {
      const deadLettersLastMinute = breaker.recentDeadLetters;
      this.logger.error(`Breaker open on "${topic}": dead-lettering stopped, partitions paused`, {
        deadLettersLastMinute,
      });
      for (const s of states) this.pauseForBreaker(s);
      this.events.emit('breaker-open', { topic, deadLettersLastMinute });
    } else if (to === 'half-open') {
      this.events.emit('breaker-half-open', { topic });
    } else {
      this.logger.warn(`Breaker closed on "${topic}": dead-lettering and fetching resume`);
      for (const s of states) this.resumeAfterBreaker(s);
      this.events.emit('breaker-closed', { topic });
    }
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
