import { DeliveryError, InvalidStateError, NOT_WRITTEN_OUTCOME, type RecordOutcome } from '../../errors.js';
import type { DeliveryReport, DriverProducer, ProducerRecord } from '../../driver/types.js';
import type { MemoryBroker } from './memory-broker.js';
import type { MemoryFaults } from './memory-faults.js';

/** Producer of `InMemoryKafka`: appends atomically and acknowledges on the next microtask. */
export class MemoryProducer implements DriverProducer {
  private connected = false;

  constructor(
    private readonly broker: MemoryBroker,
    private readonly faults: MemoryFaults,
  ) {}

  async connect(): Promise<void> {
    this.connected = true;
  }

  async send(records: readonly ProducerRecord[]): Promise<DeliveryReport[]> {
    if (!this.connected) throw new InvalidStateError('Producer is not connected: call connect() first');
    // Acknowledge asynchronously, as a broker would; callers must not rely on sync delivery.
    await Promise.resolve();
    const failure = this.faults.takeSendFailure();
    if (failure) throw this.failPartly(records, failure.error, failure.written);
    return this.broker.append(records, Date.now());
  }

  /** Stores the first `written` records, and says so record by record in the error. */
  private failPartly(records: readonly ProducerRecord[], error: DeliveryError, written: number): DeliveryError {
    const reports = this.broker.append(records.slice(0, written), Date.now());
    const outcomes: RecordOutcome[] = records.map((_, i) =>
      i < reports.length ? { state: 'written', ...reports[i]! } : NOT_WRITTEN_OUTCOME,
    );
    return new DeliveryError(error.message, { retriable: error.retriable, cause: error.cause, outcomes });
  }

  async disconnect(): Promise<void> {
    this.connected = false;
  }
}
