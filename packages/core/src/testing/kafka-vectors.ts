/**
 * murmur2 values published by Apache Kafka's own test suite:
 * apache/kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java,
 * method testMurmur2 (checked at commit 1eb7644349cb07139d6a3c1ad1986979647cac99).
 * Kafka's Java client places a keyed record on `(murmur2(key) & 0x7fffffff) % partitions`.
 */
export const KAFKA_MURMUR2_VECTORS: ReadonlyArray<readonly [key: string, murmur2: number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

/**
 * Placements of String keys "0".."9" over 3 partitions, "pre-computed using the
 * default Murmur2 hash" in apache/kafka streams/src/test/java/org/apache/kafka/
 * streams/integration/KTableKTableForeignKeyInnerJoinMultiIntegrationTest.java.
 */
export const KAFKA_STREAMS_PLACEMENTS_3: readonly number[] = [2, 0, 2, 2, 1, 0, 1, 0, 0, 2];

/** The partition Kafka's Java client picks for a vector's key. */
export function javaPartition(murmur2: number, partitions: number): number {
  return (murmur2 & 0x7fffffff) % partitions;
}
