import { randomUUID } from 'node:crypto';
import Kafka from 'node-rdkafka';
import type { FaultLog } from '../log/fault-log.js';
import { FAULT_EVENT_TYPE, type FaultEventValue } from './child-config.js';

/** A record that Ordo's own producer refuses to write, but another client can. */
export interface RawEvent {
  readonly key: Buffer;
  readonly value: FaultEventValue & { readonly padding?: string };
  /** Header values as bytes: node-rdkafka passes a Buffer through as it is. */
  readonly headers?: Record<string, Buffer>;
}

/**
 * Writes records straight through node-rdkafka, as a foreign producer (a Java service,
 * a tool) could: header values that are not UTF-8, records larger than Ordo's default
 * limit. Logs each as `produced`.
 */
export async function produceRaw(options: {
  readonly brokers: string;
  readonly topic: string;
  readonly events: readonly RawEvent[];
  readonly log: FaultLog;
}): Promise<void> {
  const config: Kafka.ProducerGlobalConfig = {
    'bootstrap.servers': options.brokers,
    dr_cb: true,
    'message.max.bytes': 4_000_000,
    'enable.idempotence': true,
  };
  // Java's placement, as Ordo's drivers do (O5); a topic-level setting librdkafka also takes here.
  const producer = new Kafka.Producer({ ...config, partitioner: 'murmur2_random' } as Kafka.ProducerGlobalConfig);
  await new Promise<void>((resolve, reject) => producer.connect({}, (error) => (error ? reject(error) : resolve())));
  producer.setPollInterval(10);
  try {
    for (const event of options.events) {
      const id = randomUUID();
      const report = await new Promise<Kafka.DeliveryReport>((resolve, reject) => {
        const onReport = (error: Kafka.LibrdKafkaError | null, r: Kafka.DeliveryReport) => {
          if ((r.opaque as { id?: string } | undefined)?.id !== id) return;
          producer.off('delivery-report', onReport);
          if (error) reject(error);
          else resolve(r);
        };
        producer.on('delivery-report', onReport);
        const headers: Kafka.MessageHeader[] = [
          { 'ordo-id': id },
          { 'ordo-type': FAULT_EVENT_TYPE },
          ...Object.entries(event.headers ?? {}).map(([name, value]) => ({ [name]: value })),
        ];
        producer.produce(
          options.topic,
          null,
          Buffer.from(JSON.stringify(event.value)),
          event.key,
          Date.now(),
          { id },
          headers,
        );
      });
      options.log.write({
        kind: 'produced',
        topic: report.topic,
        partition: report.partition,
        offset: report.offset,
        key: event.key.toString('hex'),
        id,
        poison: event.value.poison,
      });
    }
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}
