import { createRequire } from 'node:module';
import { DeliveryError } from '@ordo/core';
import { describe, expect, it } from 'vitest';
import { codeOf, deliveryError, isFatalForProducer, isTransient, outcomeOfFailure } from './map-error.js';

/** node-rdkafka's own error class: delivery reports and `event.error` go through `create`. */
const LibrdKafkaError = createRequire(import.meta.url)('node-rdkafka/lib/error') as {
  create(error: Error | number): { code: number; message: string; origin: string };
};
/** A delivery-report error exactly as node-rdkafka builds it: from librdkafka's text only. */
const reported = (text: string) => LibrdKafkaError.create(new Error(text));

describe('mapping node-rdkafka errors that lost their code (-1)', () => {
  it('recovers the code from the text, for local and broker errors', () => {
    expect(reported('Local: Message timed out').code).toBe(-1);
    expect(codeOf(reported('Local: Message timed out'))).toBe(-192);
    expect(codeOf(reported('Broker: Broker received an out of order sequence number'))).toBe(45);
    expect(codeOf(reported('Local: Fatal error'))).toBe(-150);
    expect(codeOf(reported('not a librdkafka text'))).toBe(-1);
  });

  it('makes a timed-out delivery a retriable DeliveryError whose record may be written', () => {
    const error = deliveryError(reported('Local: Message timed out'), 'users');
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.retriable).toBe(true);
    expect(error.message).toContain('librdkafka -192');
    expect(isTransient(reported('Broker: Not enough in-sync replicas'))).toBe(true);
    expect(outcomeOfFailure(reported('Local: Message timed out'))).toEqual({ state: 'unknown' });
  });

  it('knows the failures that leave a record certainly unwritten', () => {
    expect(outcomeOfFailure(reported('Broker: Message size too large'))).toEqual({ state: 'not-written' });
    expect(outcomeOfFailure(reported('Local: Purged in queue'))).toEqual({ state: 'not-written' });
    expect(outcomeOfFailure(reported('Broker: Unknown topic or partition'))).toEqual({ state: 'not-written' });
  });

  it('tells a fatal idempotent-producer error, which kills the client but not the records', () => {
    const oosn = reported('Broker: Broker received an out of order sequence number');
    expect(isFatalForProducer(oosn)).toBe(true);
    expect(isFatalForProducer(LibrdKafkaError.create(-150))).toBe(true);
    expect(isFatalForProducer(reported('Local: Message timed out'))).toBe(false);
    expect(deliveryError(oosn, 'users').retriable).toBe(true);
  });
});
