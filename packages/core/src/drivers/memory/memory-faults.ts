import { DeliveryError, DriverError } from '../../errors.js';
import { tpKey } from '../../driver/topic-partition.js';
import type { TopicPartition } from '../../driver/types.js';

/**
 * Faults to inject into an `InMemoryKafka`, deterministic by construction: each is
 * consumed by the next matching operation, in call order.
 */
export class MemoryFaults {
  private readonly sendFailures: SendFailure[] = [];
  private readonly commitFailures: DriverError[] = [];
  private readonly stalled = new Set<string>();
  private readonly stallListeners = new Set<() => void>();

  /**
   * The next `count` producer sends reject with a `DeliveryError`. They store nothing,
   * unless `written` says how many of each send's first records are stored (and reported
   * `written` in the error's outcomes) before the failure, as a broker that wrote part
   * of a batch would.
   */
  failNextSends(count: number, options: { retriable?: boolean; message?: string; written?: number } = {}): void {
    const retriable = options.retriable ?? true;
    const message = options.message ?? `Injected ${retriable ? 'retriable' : 'fatal'} send failure`;
    for (let i = 0; i < count; i++) {
      this.sendFailures.push({ error: new DeliveryError(message, { retriable }), written: options.written ?? 0 });
    }
  }

  /** The next `count` commits reject with a retriable error and store nothing. */
  failNextCommits(count: number): void {
    for (let i = 0; i < count; i++) {
      this.commitFailures.push(new DriverError('Injected commit failure', { retriable: true }));
    }
  }

  /** Stops delivery of a partition to every consumer, as a stuck broker would. */
  stall(tp: TopicPartition): void {
    this.stalled.add(tpKey(tp));
  }

  unstall(tp: TopicPartition): void {
    this.stalled.delete(tpKey(tp));
    for (const l of this.stallListeners) l();
  }

  /** @internal */
  isStalled(tp: TopicPartition): boolean {
    return this.stalled.has(tpKey(tp));
  }

  /** @internal */
  onUnstall(listener: () => void): () => void {
    this.stallListeners.add(listener);
    return () => this.stallListeners.delete(listener);
  }

  /** @internal */
  takeSendFailure(): SendFailure | undefined {
    return this.sendFailures.shift();
  }

  /** @internal */
  takeCommitFailure(): DriverError | undefined {
    return this.commitFailures.shift();
  }
}

/** An injected send failure: the error, and how many of the send's first records are stored. @internal */
export interface SendFailure {
  readonly error: DeliveryError;
  readonly written: number;
}
