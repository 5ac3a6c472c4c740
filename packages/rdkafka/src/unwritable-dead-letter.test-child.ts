/**
 * A consumer process whose failing record's dead letter cannot be written as it is:
 * the cases of unwritable-dead-letter.test.ts. It prints what it saw as one JSON line,
 * stops the consumer, prints `stopped`, and must then exit on its own: a client left
 * open would keep it alive. Arguments: the brokers, the scenario as JSON.
 */
import { createConsumer, HandlerError, NdjsonFailedMessageStore, silentLogger, type ConsumerEvents } from '@ordo/core';
import { rdkafkaDriver } from './rdkafka-driver.js';
import { FAST_GROUP } from './test-support.js';

/** What the parent asks of this process. */
export interface ChildScenario {
  readonly topic: string;
  readonly groupId: string;
  /** Keys whose events fail for good. */
  readonly failingKeys: readonly string[];
  /** The types the consumer has handlers for (no catch-all). */
  readonly types: readonly string[];
  /** Events other keys must get handled before the process stops. */
  readonly othersExpected: number;
  /** Stop after this many dead letters... */
  readonly deadLetters: number;
  /** ...and this many `error` events. */
  readonly errors: number;
  /** A failed-message store file for dead letters too large to write. */
  readonly failedMessagesPath?: string;
}

const [brokers, scenarioJson] = process.argv.slice(2);
const scenario = JSON.parse(scenarioJson!) as ChildScenario;
const failedMessages = scenario.failedMessagesPath
  ? new NdjsonFailedMessageStore({ path: scenario.failedMessagesPath })
  : undefined;
const consumer = createConsumer({
  driver: rdkafkaDriver({ brokers: brokers!, createTopics: () => undefined, consumer: FAST_GROUP }),
  groupId: scenario.groupId,
  topics: [scenario.topic],
  retry: { attempts: 1 },
  deadLetter: { enabled: true, failedMessages },
  logger: silentLogger,
});
let others = 0;
for (const type of scenario.types) {
  consumer.handle(scenario.topic, type, (event) => {
    if (scenario.failingKeys.includes(event.key ?? '')) throw new HandlerError('poison', { retriable: false });
    others++;
  });
}
const errors: ConsumerEvents['error'][] = [];
const deadLettered: ConsumerEvents['dead-lettered'][] = [];
consumer.on('error', (e) => errors.push(e));
consumer.on('dead-lettered', (e) => deadLettered.push(e));
await consumer.start();
const started = Date.now();
while (
  (deadLettered.length < scenario.deadLetters || errors.length < scenario.errors || others < scenario.othersExpected) &&
  Date.now() - started < 40_000
) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const [committed] = await consumerCommitted();
process.stdout.write(
  `${JSON.stringify({
    others,
    committed,
    deadLettered,
    errors: errors.map(({ error, record }) => ({
      code: error.code,
      retriable: error.retriable,
      cause: (error.cause as { code?: string } | undefined)?.code,
      message: error.message,
      record,
    })),
  })}\n`,
);
const stopping = Date.now();
await consumer.stop();
await failedMessages?.close();
process.stdout.write(`stopped in ${Date.now() - stopping} ms\n`);

/** The group's committed offset of partition 0, read with a client of its own. */
async function consumerCommitted(): Promise<number[]> {
  const admin = rdkafkaDriver({ brokers: brokers!, createTopics: () => undefined }).admin();
  const offsets = await admin.committedOffsets(scenario.groupId, scenario.topic);
  return offsets.map((o) => o.offset);
}
