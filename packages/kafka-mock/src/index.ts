/**
 * @ordo/kafka-mock: an in-process Kafka cluster for tests, on librdkafka's own mock
 * cluster (real wire protocol), with topic creation and fault injection.
 */
export { startMockCluster, type MockCluster, type MockClusterOptions, type MockTopic } from './mock-cluster.js';
export { KAFKA_API_KEYS, KAFKA_ERRORS, type KafkaApiName, type KafkaErrorCode } from './kafka-protocol.js';
export { MOCK_RETENTION } from './retention.js';
export { KafkaMockError, type KafkaMockErrorCode } from './errors.js';
