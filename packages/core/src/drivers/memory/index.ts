export { InMemoryKafka, type InMemoryKafkaOptions } from './in-memory-kafka.js';
export { MemoryFaults } from './memory-faults.js';
export type { CommitLogEntry } from './group-coordinator.js';
export { assignSticky, type AssignorMember } from './assignor.js';
