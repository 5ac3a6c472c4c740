/**
 * @ordo/rdkafka: Ordo's production driver over node-rdkafka.
 */
export { rdkafkaDriver, RdkafkaDriver } from './rdkafka-driver.js';
export type { RdkafkaDriverOptions, LibrdkafkaConfig } from './config.js';
