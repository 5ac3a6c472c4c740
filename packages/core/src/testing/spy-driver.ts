import type { DriverConsumer, DriverConsumerOptions, KafkaDriver } from '../driver/types.js';

/** A driver wrapper that remembers the consumers it created, so tests can reach them. */
export interface SpiedDriver {
  readonly driver: KafkaDriver;
  /** Consumers created so far, in creation order. */
  readonly consumers: DriverConsumer[];
}

/** Wraps a driver to record every driver consumer it creates (e.g. to crash one). */
export function spyDriver(driver: KafkaDriver): SpiedDriver {
  const consumers: DriverConsumer[] = [];
  const spied: KafkaDriver = {
    name: driver.name,
    capabilities: driver.capabilities,
    createProducer: () => driver.createProducer(),
    admin: () => driver.admin(),
    createConsumer(options: DriverConsumerOptions) {
      const consumer = driver.createConsumer(options);
      consumers.push(consumer);
      return consumer;
    },
  };
  return { driver: spied, consumers };
}
