export type * from './types.js';
export { tpKey, compareTopicPartitions } from './topic-partition.js';
export { recordSize } from './record-size.js';
export { readTopic, type ReadTopicOptions } from './read-topic.js';
