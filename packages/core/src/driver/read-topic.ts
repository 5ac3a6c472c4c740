import { randomUUID } from 'node:crypto';
import { TimeoutError } from '../errors.js';
import type { ConsumedRecord, KafkaDriver } from './types.js';

/** Options of {@link readTopic}. */
export interface ReadTopicOptions {
  /** Keep only these records. @default all */
  readonly filter?: (record: ConsumedRecord) => boolean;
  /** Called as records arrive, with how many of how many were read. */
  readonly onProgress?: (read: number, total: number) => void;
  /** Give up after this long. @default 30_000 */
  readonly timeoutMs?: number;
}

/**
 * Reads a topic from its low to its high watermarks as they are now, in a throwaway
 * group that commits nothing: for operator commands, never for processing.
 */
export async function readTopic(
  driver: KafkaDriver,
  topic: string,
  options: ReadTopicOptions = {},
): Promise<ConsumedRecord[]> {
  const admin = driver.admin();
  const [spec] = await admin.describeTopics([topic]);
  const marks = await Promise.all(Array.from({ length: spec!.partitions }, (_, p) => admin.watermarks(topic, p)));
  const total = marks.reduce((sum, m) => sum + (m.high - m.low), 0);
  const remaining = new Set(marks.map((m, p) => (m.high > m.low ? p : -1)).filter((p) => p >= 0));
  const records: ConsumedRecord[] = [];
  if (remaining.size === 0) return records;
  let read = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = driver.createConsumer({ groupId: `ordo-reader-${randomUUID()}`, autoOffsetReset: 'earliest' });
  await consumer.subscribe([topic], {
    onAssign: () => undefined,
    onRevoke: async () => undefined,
    onLost: () => undefined,
    onError: () => undefined,
    onRecords: (batch) => {
      for (const record of batch.records) {
        if (record.offset >= marks[record.partition]!.high) continue;
        read++;
        if (!options.filter || options.filter(record)) records.push(record);
        if (record.offset === marks[record.partition]!.high - 1) remaining.delete(record.partition);
      }
      options.onProgress?.(read, total);
      if (remaining.size === 0) done();
    },
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timedOut = false;
  const timeout = setTimeout(() => {
    timedOut = true;
    done();
  }, timeoutMs);
  try {
    await finished;
  } finally {
    clearTimeout(timeout);
    await consumer.disconnect();
  }
  // A partial read would look like a complete one; refuse it.
  if (timedOut) throw new TimeoutError(`Reading "${topic}" (${read} of ${total} records)`, timeoutMs);
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
