import type { ConsumedRecord, ConsumerListener, KafkaDriver, ProducerRecord, RecordBatch } from '@ordo/core';
import type { Sabotage } from './child-config.js';

/**
 * Wraps a driver to break one guarantee (see {@link Sabotage}): its consumer delivers
 * one batch wrongly, or its producer acknowledges dead letters it never writes.
 * Everything else is the real client.
 */
export function sabotagedDriver(driver: KafkaDriver, sabotage: Sabotage): KafkaDriver {
  let done = false;
  const mangle = (records: readonly ConsumedRecord[]): readonly ConsumedRecord[] => {
    if (done || records.length < 2 || sabotage === 'unwritten-dead-letters') return records;
    if (sabotage === 'drop-record') {
      done = true;
      return records.filter((_, i) => i !== 1);
    }
    for (let i = 0; i < records.length; i++) {
      const j = records.findIndex((r, at) => at > i && r.key?.equals(records[i]!.key ?? Buffer.alloc(0)));
      if (j < 0) continue;
      done = true;
      const out = [...records];
      [out[i], out[j]] = [out[j]!, out[i]!];
      return out;
    }
    return records;
  };
  return {
    name: driver.name,
    capabilities: driver.capabilities,
    createProducer() {
      const producer = driver.createProducer();
      if (sabotage !== 'unwritten-dead-letters') return producer;
      return Object.assign(Object.create(producer) as typeof producer, {
        send: (records: readonly ProducerRecord[]) =>
          records.every((r) => r.topic.endsWith('.dead-letter'))
            ? Promise.resolve(records.map((r, i) => ({ topic: r.topic, partition: r.partition ?? 0, offset: i })))
            : producer.send(records),
      });
    },
    admin: () => driver.admin(),
    createConsumer(options) {
      const consumer = driver.createConsumer(options);
      return Object.assign(Object.create(consumer) as typeof consumer, {
        subscribe: (topics: readonly string[], listener: ConsumerListener) =>
          consumer.subscribe(topics, {
            ...listener,
            onAssign: (p) => listener.onAssign(p),
            onRevoke: (p) => listener.onRevoke(p),
            onLost: (p) => listener.onLost(p),
            onError: (e) => listener.onError(e),
            onRecords: (batch: RecordBatch) => listener.onRecords({ ...batch, records: mangle(batch.records) }),
          }),
      });
    },
  };
}
