import { InvalidConfigError } from '../errors.js';
import { murmur2, toPositive } from './murmur2.js';

/**
 * The partition Kafka's Java client picks for a keyed record:
 * `toPositive(murmur2(keyBytes)) % partitionCount` (O5). String keys are UTF-8 bytes,
 * as Java's `StringSerializer` writes them.
 *
 * A `null` key has no placement to keep: it gets a random partition, which spreads
 * keyless records evenly across the topic.
 *
 * @example partitionFor('user-42', 12) // the same number a Java or PHP producer gets
 */
export function partitionFor(key: string | Uint8Array | null, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) {
    throw new InvalidConfigError('partitionCount', `must be a positive integer, got ${partitionCount}`);
  }
  if (key === null) return Math.floor(Math.random() * partitionCount);
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return toPositive(murmur2(bytes)) % partitionCount;
}
