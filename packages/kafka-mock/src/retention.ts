/**
 * How much of each partition librdkafka's mock brokers keep. They are fixed in
 * librdkafka (`rdkafka_mock.c`, per partition: 5 MiB of record batches or 100,000
 * batches, whichever is hit first) and no `rd_kafka_mock_*` function changes them, so
 * tests cannot set them; they size their backlogs by them instead. When a produce
 * goes over, the oldest batches are dropped and the low watermark moves up, as
 * retention would on a real broker. The size counts whole batches as sent (record
 * overhead and headers included) and may be overshot by one batch.
 *
 * @example
 * // enough partitions to keep 1,000,000 records of about 100 bytes each
 * const partitions = Math.ceil((1_000_000 * 100) / (MOCK_RETENTION.bytesPerPartition * 0.8));
 */
export const MOCK_RETENTION = Object.freeze({
  /** Bytes of record batches kept per partition before the oldest go. */
  bytesPerPartition: 5 * 1024 * 1024,
  /** Record batches (not records) kept per partition before the oldest go. */
  batchesPerPartition: 100_000,
});
