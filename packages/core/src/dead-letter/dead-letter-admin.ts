import { typeOf } from '../consumer/consumed-event.js';
import type { EventHandler } from '../consumer/handler-registry.js';
import { LazyConsumedEvent } from '../consumer/consumed-event.js';
import { readTopic } from '../driver/read-topic.js';
import type { ConsumedRecord, DeliveryReport, KafkaDriver } from '../driver/types.js';
import { InvalidConfigError, ReplayRefusedError } from '../errors.js';
import { HEADERS, headersFromRaw, type Headers } from '../message/headers.js';
import { jsonCodec, type Codec } from '../message/json-codec.js';
import { DEAD_LETTER_HEADERS, type DeadLetterReason } from './dead-letter-headers.js';
import { repairParkingLot, type RepairReport, type RepairRequest } from './dead-letter-repair.js';
import { keyBytesOf, keyText, type KeyInput } from './parked-key-text.js';
import type { ParkedKey, ParkingLot } from './parking-lot.js';

/** Header a replayed event carries: which dead letter it replays. */
export const REPLAY_OF_HEADER = 'ordo-replay-of';

/** A dead letter as an operator sees it. */
export interface DeadLetterEntry {
  /** Where it is in the dead-letter topic. */
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Operator form of the key: its text, or `hex:…` when the bytes are not plain text. */
  readonly key: string | null;
  /** The key's bytes, exactly. */
  readonly keyBytes: Buffer | null;
  readonly type: string;
  readonly id: string;
  readonly reason: DeadLetterReason | string;
  readonly errorClass: string | undefined;
  readonly errorMessage: string | undefined;
  readonly attempts: number;
  readonly origin: { readonly topic: string; readonly partition: number; readonly offset: number };
  readonly firstFailureAt: string | undefined;
  /** Set when this dead letter is itself a replayed event that failed again. */
  readonly replayOf: string | undefined;
  readonly headers: Headers;
  /** The raw value, as written. */
  readonly value: Buffer | null;
}

/** Options of {@link createDeadLetterAdmin}. */
export interface DeadLetterAdminOptions {
  readonly driver: KafkaDriver;
  readonly parkingLot: ParkingLot;
  /** @default (topic) => `${topic}.dead-letter` */
  readonly topicName?: (topic: string) => string;
  /** Where discards and replays are recorded. @default 'ordo.audit' */
  readonly auditTopic?: string;
  /** @default jsonCodec */
  readonly codec?: Codec;
  /** Progress of long reads: records read of total. */
  readonly onProgress?: (read: number, total: number) => void;
}

/** Who did what, and why: every operator action is recorded in the audit topic. */
export interface OperatorAction {
  readonly operator: string;
  readonly reason?: string;
}

/**
 * The operator commands on dead letters (the `ordo` CLI calls these). Keys are given as
 * bytes or in operator form: text, or `hex:` and the bytes in hex for keys that are not
 * plain text (as `parkedKeys` and `list` show them).
 */
export interface DeadLetterAdmin {
  parkedKeys(topic?: string): Promise<ParkedKey[]>;
  /** Dead letters of a source topic, optionally of one key, in dead-letter topic order. */
  list(query: { topic: string; key?: KeyInput }): Promise<DeadLetterEntry[]>;
  /** One dead letter, with its value decoded (or the decode error). */
  show(where: {
    topic: string;
    partition: number;
    offset: number;
  }): Promise<(DeadLetterEntry & { decoded: unknown }) | undefined>;
  /**
   * Publishes a key's dead letters back to the source topic, keeping key, value and
   * `ordo-id`. Refused for a replay of a replay, or while the key is parked (the replay
   * would be dead-lettered again), unless `force`.
   */
  replayToSource(
    request: { topic: string; key: KeyInput; force?: boolean } & OperatorAction,
  ): Promise<DeliveryReport[]>;
  /** Runs `handler` on a key's dead letters in order, then resolves the key. */
  replayToHandler(request: { topic: string; key: KeyInput; handler: EventHandler } & OperatorAction): Promise<number>;
  /** Marks all of a key's dead letters handled without running them: the key is resolved. */
  discard(request: { topic: string; key: KeyInput } & OperatorAction): Promise<number>;
  /**
   * Repairs the parking lot in any state: clears pending dead-letter writes left by
   * processes that died, records dead letters that were written but not recorded, and
   * resolves keys whose dead letters are all handled or discarded. Reports every parked
   * key it looked at; `dryRun` changes nothing. Recorded in the audit topic unless a dry run.
   */
  repair(request: RepairRequest & OperatorAction): Promise<RepairReport>;
}

/**
 * Creates the operator API over dead-letter topics and the parking lot.
 *
 * @example
 * const admin = createDeadLetterAdmin({ driver, parkingLot });
 * await admin.list({ topic: 'users', key: 'u-42' });
 * await admin.discard({ topic: 'users', key: 'u-42', operator: 'alice', reason: 'test account' });
 */
export function createDeadLetterAdmin(options: DeadLetterAdminOptions): DeadLetterAdmin {
  const topicName = options.topicName ?? ((t: string) => `${t}.dead-letter`);
  const codec = options.codec ?? jsonCodec;
  const auditTopic = options.auditTopic ?? 'ordo.audit';
  const { driver, parkingLot } = options;

  const entries = async (topic: string, key?: Buffer): Promise<DeadLetterEntry[]> => {
    const records = await readTopic(driver, topicName(topic), {
      filter: (r) => key === undefined || (r.key !== null && r.key.equals(key)),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    return records.map(toEntry);
  };

  const publish = async (records: Parameters<ReturnType<KafkaDriver['createProducer']>['send']>[0]) => {
    const producer = driver.createProducer();
    await producer.connect();
    try {
      return await producer.send(records);
    } finally {
      await producer.disconnect();
    }
  };

  const audit = (action: string, details: Record<string, unknown>, who: OperatorAction) => {
    if (!who.operator) throw new InvalidConfigError('operator', 'name who performs the action');
    const value = {
      action,
      ...details,
      operator: who.operator,
      reason: who.reason ?? null,
      at: new Date().toISOString(),
    };
    return publish([{ topic: auditTopic, key: null, value: Buffer.from(JSON.stringify(value)) }]);
  };

  const resolveThrough = async (
    topic: string,
    key: Buffer,
    list: readonly DeadLetterEntry[],
    how: 'handled' | 'discarded',
  ): Promise<void> => {
    const last = list.reduce((max, e) => Math.max(max, e.offset), -1);
    if (last >= 0) await parkingLot[how](topic, key, last);
  };

  return {
    parkedKeys: (topic) => parkingLot.list(topic),
    list: async ({ topic, key }) => entries(topic, key === undefined ? undefined : keyBytesOf(key)),
    async show({ topic, partition, offset }) {
      const found = (await entries(topic)).find((e) => e.partition === partition && e.offset === offset);
      if (!found) return undefined;
      let decoded: unknown;
      try {
        decoded = found.value === null ? null : codec.decode(found.value);
      } catch (error) {
        decoded = { error: String(error) };
      }
      return { ...found, decoded };
    },
    async replayToSource({ topic, key: input, force = false, ...who }) {
      const key = keyBytesOf(input);
      const list = await entries(topic, key);
      if (!force) {
        const again = list.find((e) => e.replayOf !== undefined);
        if (again) {
          throw new ReplayRefusedError(
            `Dead letter ${again.partition}@${again.offset} is already a replay of ${again.replayOf}; pass force to replay it again`,
          );
        }
        if (await parkingLot.check(topic, key)) {
          throw new ReplayRefusedError(
            `Key "${keyText(key)}" of "${topic}" is still parked: a replay would be dead-lettered again. Discard or drain it first, or pass force`,
          );
        }
      }
      const reports = await publish(
        list.map((e) => ({
          topic,
          key,
          value: e.value,
          headers: {
            ...withoutDeadLetterHeaders(e.headers),
            [REPLAY_OF_HEADER]: `${e.topic}/${e.partition}@${e.offset}`,
          },
        })),
      );
      await audit(
        'replay-to-source',
        { topic, key: keyText(key), offsets: list.map((e) => `${e.partition}@${e.offset}`) },
        who,
      );
      return reports;
    },
    async replayToHandler({ topic, key: input, handler, ...who }) {
      const key = keyBytesOf(input);
      const records = await readTopic(driver, topicName(topic), { filter: (r) => r.key !== null && r.key.equals(key) });
      for (const record of records) {
        await handler(new LazyConsumedEvent(record, codec), {
          attempt: 1,
          groupId: `operator:${who.operator}`,
          signal: new AbortController().signal,
        });
      }
      await resolveThrough(topic, key, records.map(toEntry), 'handled');
      await audit('replay-to-handler', { topic, key: keyText(key), count: records.length }, who);
      return records.length;
    },
    async discard({ topic, key: input, ...who }) {
      const key = keyBytesOf(input);
      const list = await entries(topic, key);
      await resolveThrough(topic, key, list, 'discarded');
      await audit('discard', { topic, key: keyText(key), offsets: list.map((e) => `${e.partition}@${e.offset}`) }, who);
      return list.length;
    },
    async repair({ topic, dryRun, pendingOlderThanMs, ...who }) {
      if (!who.operator) throw new InvalidConfigError('operator', 'name who performs the action');
      const request = { ...(topic === undefined ? {} : { topic }), ...(dryRun === undefined ? {} : { dryRun }) };
      const report = await repairParkingLot(
        { driver, parkingLot, topicName },
        { ...request, ...(pendingOlderThanMs === undefined ? {} : { pendingOlderThanMs }) },
      );
      if (!report.dryRun) {
        const changed = report.keys.map(({ topic: t, key, clearedPending, lastDeadLetterOffset, resolved }) => ({
          topic: t,
          key,
          clearedPending,
          lastDeadLetterOffset,
          resolved,
        }));
        await audit('repair', { keys: changed }, who);
      }
      return report;
    },
  };
}

function toEntry(record: ConsumedRecord): DeadLetterEntry {
  const headers = headersFromRaw(record.headers);
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key === null ? null : keyText(record.key),
    keyBytes: record.key,
    type: typeOf(record),
    id: headers[HEADERS.id] ?? `${record.topic}/${record.partition}/${record.offset}`,
    reason: headers[DEAD_LETTER_HEADERS.reason] ?? 'unknown',
    errorClass: headers[DEAD_LETTER_HEADERS.errorClass],
    errorMessage: headers[DEAD_LETTER_HEADERS.errorMessage],
    attempts: Number(headers[DEAD_LETTER_HEADERS.attempts] ?? 0),
    origin: {
      topic: headers[DEAD_LETTER_HEADERS.originTopic] ?? '',
      partition: Number(headers[DEAD_LETTER_HEADERS.originPartition] ?? -1),
      offset: Number(headers[DEAD_LETTER_HEADERS.originOffset] ?? -1),
    },
    firstFailureAt: headers[DEAD_LETTER_HEADERS.firstFailure],
    replayOf: headers[REPLAY_OF_HEADER],
    headers,
    value: record.value,
  };
}

function withoutDeadLetterHeaders(headers: Headers): Record<string, string> {
  const prefix = 'ordo-dl-';
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith(prefix)));
}
