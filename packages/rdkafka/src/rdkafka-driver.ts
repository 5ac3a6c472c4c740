import type {
  DriverAdmin,
  DriverCapabilities,
  DriverConsumer,
  DriverConsumerOptions,
  DriverProducer,
  KafkaDriver,
} from '@ordo/core';
import { InvalidStateError } from '@ordo/core';
import { resolveRdkafkaOptions, type RdkafkaDriverOptions, type ResolvedRdkafkaOptions } from './config.js';
import { RdkafkaAdmin } from './rdkafka-admin.js';
import { RdkafkaConsumer } from './rdkafka-consumer.js';
import { RdkafkaProducer } from './rdkafka-producer.js';

/** The production driver: Ordo's driver seam over node-rdkafka. */
export class RdkafkaDriver implements KafkaDriver {
  readonly name = 'rdkafka';
  readonly capabilities: DriverCapabilities;
  private readonly options: ResolvedRdkafkaOptions;

  constructor(options: RdkafkaDriverOptions) {
    this.options = resolveRdkafkaOptions(options);
    this.capabilities = {
      createTopics: true,
      incrementalRebalance: true,
      maxRecordBytes: this.options.maxRecordBytes,
      faultInjection: false,
      binaryHeaders: false,
    };
  }

  createProducer(): DriverProducer {
    return new RdkafkaProducer(this.options);
  }

  createConsumer(options: DriverConsumerOptions): DriverConsumer {
    return new RdkafkaConsumer(this.options, options);
  }

  admin(): DriverAdmin {
    return new RdkafkaAdmin(this.options);
  }

  /**
   * Simulates a crash of one of this driver's consumers, for tests: it leaves the group
   * without the engine revoking or committing, so uncommitted work is redone elsewhere.
   */
  crash(consumer: DriverConsumer): Promise<void> {
    if (!(consumer instanceof RdkafkaConsumer)) {
      throw new InvalidStateError('crash() takes a consumer created by an rdkafka driver');
    }
    return consumer.abandon();
  }
}

/**
 * Creates the production driver. Defaults keep Ordo's guarantees with no tuning:
 * idempotent producer with acks=all (no duplicates or reordering from retries),
 * Java-compatible murmur2 partitioning (O5), manual commits with offsets stored only
 * after handling (O2), cooperative-sticky rebalancing. Overrides that would break
 * these are refused.
 *
 * @example
 * const driver = rdkafkaDriver({ brokers: 'kafka-1:9092,kafka-2:9092', librdkafka: { 'security.protocol': 'sasl_ssl' } });
 */
export function rdkafkaDriver(options: RdkafkaDriverOptions): RdkafkaDriver {
  return new RdkafkaDriver(options);
}
