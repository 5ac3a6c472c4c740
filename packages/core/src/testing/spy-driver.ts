import type { DriverAdmin, DriverConsumer, DriverConsumerOptions, KafkaDriver } from '../driver/types.js';

/** A driver wrapper that remembers the consumers it created, so tests can reach them. */
export interface SpiedDriver {
  readonly driver: KafkaDriver;
  /** Consumers created so far, in creation order. */
  readonly consumers: DriverConsumer[];
  /** Admin calls made so far, by method name (`describeTopics`, `watermarks`, ...), in call order. */
  readonly adminCalls: string[];
}

/** Wraps a driver to record every driver consumer it creates (e.g. to crash one) and every admin call. */
export function spyDriver(driver: KafkaDriver): SpiedDriver {
  const consumers: DriverConsumer[] = [];
  const adminCalls: string[] = [];
  const spied: KafkaDriver = {
    name: driver.name,
    capabilities: driver.capabilities,
    createProducer: () => driver.createProducer(),
    admin: () => spyAdmin(driver.admin(), adminCalls),
    createConsumer(options: DriverConsumerOptions) {
      const consumer = driver.createConsumer(options);
      consumers.push(consumer);
      return consumer;
    },
  };
  return { driver: spied, consumers, adminCalls };
}

function spyAdmin(admin: DriverAdmin, calls: string[]): DriverAdmin {
  return {
    ensureTopics: (topics) => (calls.push('ensureTopics'), admin.ensureTopics(topics)),
    describeTopics: (names) => (calls.push('describeTopics'), admin.describeTopics(names)),
    committedOffsets: (groupId, topic) => (calls.push('committedOffsets'), admin.committedOffsets(groupId, topic)),
    watermarks: (topic, partition) => (calls.push('watermarks'), admin.watermarks(topic, partition)),
  };
}
