import { tpKey, type ConsumedRecord, type RecordBatch } from '@ordo/core';
import type Kafka from 'node-rdkafka';
import { toConsumedRecord } from './to-consumed-record.js';

/**
 * Splits a chunk of consumed messages into runs of one partition, at most `maxBatch`
 * long, in the order received, and hands each over with its partition's `tpKey`.
 */
export function splitRuns(
  messages: readonly Kafka.Message[],
  maxBatch: number,
  handOver: (key: string, batch: RecordBatch) => void,
): void {
  let run: ConsumedRecord[] = [];
  let topic = '';
  let partition = -1;
  let key = '';
  for (const message of messages) {
    // A string compare, then the run's own topic string (see toConsumedRecord).
    const samePartition = message.partition === partition && message.topic === topic;
    if (!samePartition || run.length >= maxBatch) {
      if (run.length > 0) handOver(key, { topic, partition, records: run });
      run = [];
      if (!samePartition) {
        if (message.topic !== topic) topic = message.topic;
        partition = message.partition;
        key = tpKey({ topic, partition });
      }
    }
    run.push(toConsumedRecord(message, topic));
  }
  if (run.length > 0) handOver(key, { topic, partition, records: run });
}
