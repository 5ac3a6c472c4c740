/**
 * The conformance suite against real Apache Kafka, through testcontainers. It needs a
 * Docker engine; where there is none (our machines and CI), it is skipped with the
 * reason printed. The same suite runs on every machine against @ordo/kafka-mock
 * (rdkafka.conformance.test.ts), which is the proof this file only repeats.
 */
import { describeDriverConformance } from '@ordo/core/testing';
import { KafkaContainer, type StartedKafkaContainer } from '@testcontainers/kafka';
import { getContainerRuntimeClient } from 'testcontainers';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FAST_GROUP } from './test-support.js';
import { rdkafkaDriver, type RdkafkaDriver } from './rdkafka-driver.js';

const KAFKA_IMAGE = process.env.ORDO_KAFKA_IMAGE ?? 'confluentinc/cp-kafka:7.7.1';
const KAFKA_PORT = 9093;

const docker = await getContainerRuntimeClient().then(
  () => ({ available: true as const }),
  (error: unknown) => ({ available: false as const, reason: error instanceof Error ? error.message : String(error) }),
);

if (!docker.available) {
  console.warn(
    `[ordo] Real-Kafka conformance skipped: no Docker engine (${docker.reason}). ` +
      'The same suite ran against @ordo/kafka-mock in rdkafka.conformance.test.ts.',
  );
  describe('driver conformance: rdkafka on real Apache Kafka (testcontainers)', () => {
    it.skipIf(true)(`needs a Docker engine: ${docker.reason}`, () => undefined);
  });
} else {
  let kafka: StartedKafkaContainer;
  beforeAll(async () => {
    // Room for the suite's 1 MiB values plus key, headers and batch overhead.
    kafka = await new KafkaContainer(KAFKA_IMAGE)
      .withKraft()
      .withEnvironment({ KAFKA_MESSAGE_MAX_BYTES: '2097152', KAFKA_REPLICA_FETCH_MAX_BYTES: '2097152' })
      .start();
  }, 180_000);
  afterAll(async () => {
    await kafka?.stop();
  });
  describeDriverConformance(
    `rdkafka on real Apache Kafka (${KAFKA_IMAGE})`,
    () =>
      rdkafkaDriver({
        brokers: `${kafka.getHost()}:${kafka.getMappedPort(KAFKA_PORT)}`,
        consumer: FAST_GROUP,
        replicationFactor: 1,
      }),
    {
      crash: (driver, consumer) => (driver as RdkafkaDriver).crash(consumer),
      timeoutMs: 60_000,
      consumerOverrides: { commitIntervalMs: 50 },
    },
  );
}
