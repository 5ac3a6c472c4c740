import { InvalidStateError } from '../../errors.js';
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
    if (failure) throw failure;
    return this.broker.append(records, Date.now());
  }

  async disconnect(): Promise<void> {
    this.connected = false;
  }
}
