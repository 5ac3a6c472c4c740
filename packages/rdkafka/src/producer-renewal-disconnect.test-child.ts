/**
 * A process whose producer dies of a fatal error, starts opening a fresh client for its
 * next send, and is disconnected meanwhile; it must then exit on its own
 * (producer-disconnect.test.ts). Runs its own mock cluster.
 */
import { KAFKA_ERRORS, startMockCluster } from '@ordo/kafka-mock';
import { rdkafkaDriver } from './rdkafka-driver.js';

const cluster = startMockCluster({ brokers: 1, topics: [{ name: 'renewal', partitions: 1 }] });
const producer = rdkafkaDriver({ brokers: cluster.bootstrapServers, createTopics: () => undefined }).createProducer();
const record = (n: number) => ({ topic: 'renewal', key: 'k', value: Buffer.from(String(n)) });
await producer.connect();
await producer.send([record(0)]);
cluster.failRequests('Produce', [KAFKA_ERRORS.OUT_OF_ORDER_SEQUENCE_NUMBER]);
await producer.send([record(1)]).catch(() => undefined); // the client dies of it and is retired
const renewing = producer.send([record(2)]).catch(() => undefined); // opens a fresh client
await producer.disconnect();
await renewing;
cluster.close();
process.stdout.write('disconnected\n');
