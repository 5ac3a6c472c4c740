import { randomUUID } from 'node:crypto';
import { createProducer, type KafkaDriver, type Producer, type ProducerRecord } from '@ordo/core';
import type { FaultLog } from '../log/fault-log.js';
import { FAULT_EVENT_TYPE, type FaultEventValue } from './child-config.js';
import type { Random } from './seed.js';

/** What to publish: how many events over which keys, and how many are poison. */
export interface ProduceOptions {
  readonly topic: string;
  readonly count: number;
  /** Keys to spread events over (hex); binary keys go through the driver's own producer. */
  readonly keys: readonly string[];
  /** Share of events whose handler fails for good. @default 0 */
  readonly poisonRate?: number;
  /** Decides poison per event instead of `poisonRate`: key (hex) and the event's number. */
  readonly poison?: (key: string, n: number) => boolean;
  /** Events per `publishMany` call. @default 100 */
  readonly chunk?: number;
  /** Extra headers per event (by its number), e.g. a binary value the dead-letter write must carry. */
  readonly headers?: (n: number) => Record<string, Buffer | string> | undefined;
  /** Pause between chunks, to spread the events over time. @default 0 */
  readonly pauseMs?: number;
  /** Called after each acknowledged chunk with the events so far. */
  readonly onProgress?: (published: number) => void;
}

/** Publishes through one long-lived producer, as an application would: a failed chunk is retried. */
export interface ScenarioProducer {
  publish(options: ProduceOptions): Promise<void>;
  /** The last publish error, for a deadline message. */
  readonly lastError: string | undefined;
  close(): Promise<void>;
}

/** Whether a hex key is UTF-8 text without NUL (so an Ordo string key can carry it). */
export function isTextKey(hex: string): boolean {
  const bytes = Buffer.from(hex, 'hex');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) && !text.includes('\0');
}

/**
 * A producer for scenarios: text keys through `createProducer` (the Ordo producer
 * under test), binary keys and raw headers through the driver's producer. Every
 * acknowledged event is logged as `produced`.
 */
export function scenarioProducer(driver: KafkaDriver, log: FaultLog, random: Random): ScenarioProducer {
  let producer: Producer | undefined;
  const raw = driver.createProducer();
  let rawConnected = false;
  let lastError: string | undefined;
  let n = 0;

  async function withRetry<T>(send: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await send();
      } catch (error) {
        lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  return {
    get lastError() {
      return lastError;
    },
    async publish(options) {
      const chunk = options.chunk ?? 100;
      for (let done = 0; done < options.count; done += chunk) {
        const batch = Array.from({ length: Math.min(chunk, options.count - done) }, () => {
          const k = random.pick(options.keys);
          const chance = random.chance(options.poisonRate ?? 0);
          const value: FaultEventValue = { k, n, poison: options.poison ? options.poison(k, n) : chance };
          n++;
          return { k, value, id: randomUUID(), headers: options.headers?.(value.n) };
        });
        const binary = batch.some((e) => !isTextKey(e.k) || e.headers);
        let reports: Array<{ topic: string; partition: number; offset: number }>;
        if (binary) {
          if (!rawConnected) await withRetry(() => raw.connect());
          rawConnected = true;
          const records: ProducerRecord[] = batch.map((e) => ({
            topic: options.topic,
            key: Buffer.from(e.k, 'hex'),
            value: Buffer.from(JSON.stringify(e.value)),
            headers: { 'ordo-id': e.id, 'ordo-type': FAULT_EVENT_TYPE, ...e.headers },
          }));
          reports = await withRetry(() => raw.send(records));
        } else {
          producer ??= createProducer({ driver });
          const p = producer;
          reports = await withRetry(() =>
            p.publishMany(
              batch.map((e) => ({
                topic: options.topic,
                key: Buffer.from(e.k, 'hex').toString('utf8'),
                type: FAULT_EVENT_TYPE,
                value: e.value,
                id: e.id,
              })),
            ),
          );
        }
        reports.forEach((r, i) => {
          const e = batch[i]!;
          log.write({
            kind: 'produced',
            topic: r.topic,
            partition: r.partition,
            offset: r.offset,
            key: e.k,
            id: e.id,
            poison: e.value.poison,
          });
        });
        options.onProgress?.(done + batch.length);
        if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
      }
    },
    async close() {
      await producer?.disconnect().catch(() => undefined);
      if (rawConnected) await raw.disconnect().catch(() => undefined);
    },
  };
}

/** `count` text keys as hex: `k0`, `k1`, … */
export function textKeys(count: number): string[] {
  return Array.from({ length: count }, (_, i) => Buffer.from(`k${i}`).toString('hex'));
}
