import Kafka from 'node-rdkafka';

/** Group settings under which the mock cluster rebalances in seconds (see DEVELOPERS.md). */
export const FAST_GROUP = {
  'session.timeout.ms': 6000,
  'heartbeat.interval.ms': 500,
  'max.poll.interval.ms': 10000,
} as const;

/** A connected node-rdkafka producer with delivery reports, and a promise-returning send. */
export async function connectProducer(
  bootstrapServers: string,
  config: Kafka.ProducerGlobalConfig = {},
): Promise<{
  producer: Kafka.Producer;
  send(topic: string, key: string | null, value: string, partition?: number): Promise<Kafka.DeliveryReport>;
  close(): Promise<void>;
}> {
  const producer = new Kafka.Producer({
    'bootstrap.servers': bootstrapServers,
    dr_cb: true,
    'linger.ms': 1,
    ...config,
  });
  const pending = new Map<number, { resolve: (r: Kafka.DeliveryReport) => void; reject: (e: unknown) => void }>();
  let seq = 0;
  producer.on('delivery-report', (err, report) => {
    const waiter = pending.get(report.opaque as number);
    pending.delete(report.opaque as number);
    if (err) waiter?.reject(err);
    else waiter?.resolve(report);
  });
  producer.setPollInterval(5);
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  return {
    producer,
    send(topic, key, value, partition) {
      const opaque = ++seq;
      return new Promise((resolve, reject) => {
        pending.set(opaque, { resolve, reject });
        producer.produce(topic, partition ?? null, Buffer.from(value), key, Date.now(), opaque);
      });
    },
    close: () => new Promise<void>((resolve) => producer.disconnect(() => resolve())),
  };
}

/** A node-rdkafka consumer in flowing mode that collects messages and its assignment. */
export async function connectConsumer(
  bootstrapServers: string,
  groupId: string,
  topics: string[],
): Promise<{
  consumer: Kafka.KafkaConsumer;
  messages: Kafka.Message[];
  assignment(): Kafka.Assignment[];
  close(): Promise<void>;
}> {
  const consumer = new Kafka.KafkaConsumer(
    {
      'bootstrap.servers': bootstrapServers,
      'group.id': groupId,
      'enable.auto.commit': true,
      'auto.commit.interval.ms': 200,
      ...FAST_GROUP,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  const messages: Kafka.Message[] = [];
  consumer.on('data', (m) => messages.push(m));
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.subscribe(topics);
  consumer.consume();
  return {
    consumer,
    messages,
    assignment: () => consumer.assignments(),
    close: () => new Promise<void>((resolve) => consumer.disconnect(() => resolve())),
  };
}

/** Polls until `condition` holds, or throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
