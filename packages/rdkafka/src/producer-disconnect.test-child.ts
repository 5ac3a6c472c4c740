/**
 * A process that disconnects its producer while the connect is still in flight, then
 * must exit on its own (producer-disconnect.test.ts). Argument: the brokers.
 */
import { rdkafkaDriver } from './rdkafka-driver.js';

const producer = rdkafkaDriver({ brokers: process.argv[2]!, createTopics: () => undefined }).createProducer();
const connecting = producer.connect();
await producer.disconnect();
await connecting;
process.stdout.write('disconnected\n');
