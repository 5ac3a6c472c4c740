export { murmur2, toPositive } from './murmur2.js';
export { partitionFor } from './partitioner.js';
