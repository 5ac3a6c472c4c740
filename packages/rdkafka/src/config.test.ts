import { InvalidConfigError } from '@ordo/core';
import { describe, expect, it } from 'vitest';
import { consumerConfig, producerConfig, producerTopicConfig, resolveRdkafkaOptions } from './config.js';
import { rdkafkaDriver } from './rdkafka-driver.js';

const brokers = '127.0.0.1:9092';

describe('rdkafkaDriver options', () => {
  it('defaults to idempotence, acks=all, Java murmur2 placement and manual commits', () => {
    const o = resolveRdkafkaOptions({ brokers });
    expect(producerConfig(o)).toMatchObject({ 'enable.idempotence': true });
    expect(producerTopicConfig(o)).toMatchObject({ 'request.required.acks': -1, partitioner: 'murmur2_random' });
    expect(consumerConfig(o, 'g', undefined)).toMatchObject({
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'partition.assignment.strategy': 'cooperative-sticky',
    });
  });

  it("bounds a broker's Fetch response to one partition's worth of the largest record, unless overridden", () => {
    const o = resolveRdkafkaOptions({ brokers, maxRecordBytes: 100_000 });
    expect(consumerConfig(o, 'g', undefined)).toMatchObject({
      'fetch.max.bytes': 165_536,
      'fetch.message.max.bytes': 165_536,
    });
    const overridden = resolveRdkafkaOptions({ brokers, consumer: { 'fetch.max.bytes': 52_428_800 } });
    expect(consumerConfig(overridden, 'g', undefined)['fetch.max.bytes']).toBe(52_428_800);
  });

  it.each([
    ['librdkafka', 'enable.idempotence', false],
    ['producer', 'enable.idempotence', 'false'],
    ['librdkafka', 'acks', 1],
    ['producer', 'request.required.acks', 0],
    ['librdkafka', 'partitioner', 'consistent_random'],
    ['producer', 'partitioner', 'fnv1a_random'],
    ['consumer', 'enable.auto.commit', true],
    ['consumer', 'enable.auto.offset.store', true],
    ['consumer', 'rebalance_cb', true],
  ] as const)('refuses %s override %s=%j, naming the guarantee', (section, name, value) => {
    let error: unknown;
    try {
      rdkafkaDriver({ brokers, [section]: { [name]: value } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).field).toBe(`${section}.${name}`);
  });

  it('accepts overrides that keep the guarantees, and passes the rest through', () => {
    const o = resolveRdkafkaOptions({
      brokers,
      librdkafka: { 'security.protocol': 'sasl_ssl', 'sasl.password': 's3cret', acks: 'all', partitioner: 'murmur2' },
      producer: { 'linger.ms': 20 },
    });
    expect(producerConfig(o)).toMatchObject({ 'security.protocol': 'sasl_ssl', 'linger.ms': 20 });
    expect(producerTopicConfig(o)).toMatchObject({ partitioner: 'murmur2' });
  });

  it('never puts a secret in an error message', () => {
    try {
      rdkafkaDriver({ brokers, librdkafka: { 'sasl.password': 'hunter2', 'enable.idempotence': false } });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('hunter2');
    }
  });

  it('rejects missing brokers and bad sizes', () => {
    expect(() => rdkafkaDriver({ brokers: '' })).toThrow(InvalidConfigError);
    expect(() => rdkafkaDriver({ brokers, maxRecordBytes: 0 })).toThrow(InvalidConfigError);
  });
});
