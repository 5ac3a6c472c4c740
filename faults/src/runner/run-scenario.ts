import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readTopic, type ConsumedRecord } from '@ordo/core';
import { startMockCluster } from '@ordo/kafka-mock';
import { rdkafkaDriver } from '@ordo/rdkafka';
import { checkRun } from '../checker/check-run.js';
import type { ScenarioOutcome } from '../checker/report.js';
import type { Violation } from '../checker/violation.js';
import { FaultLog, readLogs } from '../log/fault-log.js';
import type { ConsumerChildConfig, FailedMessagesConfig, ParkingLotConfig, RelayChildConfig } from './child-config.js';
import { prepareFailedMessages, prepareParkingLot, type SetAsideEntry } from './databases.js';
import { startChild, type ChildHandle } from './processes.js';
import { scenarioProducer } from './produce.js';
import { newLogDir, type Scale, type Scenario, type ScenarioContext } from './scenario.js';
import { seeded } from './seed.js';

/** Options of one run. */
export interface RunOptions {
  readonly seed: number;
  readonly scale?: Scale;
}

/**
 * Runs one scenario with one seed: a fresh mock cluster, the script with its consumer
 * processes and faults, under a deadline; then reads back the topic and its dead
 * letters, kills what still runs, and checks every log. Never throws for a broken
 * guarantee: the outcome carries the violations (a missed deadline is one).
 */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioOutcome> {
  const started = Date.now();
  const { seed } = options;
  const scale = options.scale ?? { events: 1, faults: 1 };
  const random = seeded(seed);
  const logDir = newLogDir(scenario.name, seed);
  const log = new FaultLog(join(logDir, 'runner.log'), 'runner');
  const cluster = startMockCluster({ brokers: 3 });
  const suffix = `${seed}-${Math.random().toString(36).slice(2, 7)}`;
  const topic = `faults-${scenario.name}-${suffix}`;
  const groupId = `faults-${scenario.name}-${suffix}`;
  cluster.createTopic(topic, scenario.partitions);
  cluster.createTopic(`${topic}.dead-letter`, scenario.partitions);
  const driver = rdkafkaDriver({
    brokers: cluster.bootstrapServers,
    createTopics: (topics) => topics.forEach((t) => cluster.createTopic(t.name, t.partitions)),
    maxRecordBytes: 2_000_000,
  });
  const producer = scenarioProducer(driver, log, seeded(seed ^ 0x5eed));
  const children = new Map<string, ChildHandle>();
  const incarnations = new Map<string, number>();
  const nextProc = (name: string) => {
    const incarnation = (incarnations.get(name) ?? 0) + 1;
    incarnations.set(name, incarnation);
    return { proc: `${name}#${incarnation}`, incarnation };
  };
  const steps: string[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  let parkingLot: ParkingLotConfig = { kind: 'memory' };
  if (scenario.parkingLot && scenario.parkingLot !== 'memory') {
    const prepared = await prepareParkingLot(scenario.parkingLot, `faults_parked_${suffix.replace(/-/g, '_')}`);
    parkingLot = prepared.config;
    cleanups.push(prepared.drop);
  }
  let failedMessages: FailedMessagesConfig | undefined;
  let readSetAside: (() => Promise<SetAsideEntry[]>) | undefined;
  if (scenario.failedMessages) {
    const prepared = await prepareFailedMessages(`faults_failed_${suffix.replace(/-/g, '_')}`);
    failedMessages = prepared.config;
    readSetAside = prepared.read;
    cleanups.push(prepared.drop);
  }

  const ctx: ScenarioContext = {
    seed,
    random,
    scale,
    cluster,
    driver,
    topic,
    groupId,
    logDir,
    log,
    producer,
    get parkingLotConfig() {
      return parkingLot;
    },
    startConsumer(n, override) {
      const { proc, incarnation } = nextProc(`consumer-${n}`);
      const config: ConsumerChildConfig = {
        proc,
        logFile: join(logDir, `${proc}.log`),
        brokers: cluster.bootstrapServers,
        topics: [topic],
        groupId,
        seed: seed + n * 1_000 + incarnation,
        handlerMs: scenario.handlerMs ?? [0, 2],
        maxInFlight: 16,
        deadLetters: scenario.deadLetters ?? true,
        parkingLot: override?.parkingLot ?? parkingLot,
        failedMessages,
        sabotage: scenario.sabotage,
      };
      const child = startChild({
        script: 'consumer-child.ts',
        proc,
        config,
        stderrFile: join(logDir, `${proc}.stderr`),
        runnerLog: log,
      });
      children.set(`consumer-${n}`, child);
      return child;
    },
    consumer: (n) => children.get(`consumer-${n}`),
    startRelay(n, options) {
      const { proc } = nextProc(`relay-${n}`);
      const config: RelayChildConfig = {
        ...options,
        proc,
        logFile: join(logDir, `${proc}.log`),
        brokers: cluster.bootstrapServers,
      };
      const child = startChild({
        script: 'relay-child.ts',
        proc,
        config,
        stderrFile: join(logDir, `${proc}.stderr`),
        runnerLog: log,
      });
      children.set(`relay-${n}`, child);
      return child;
    },
    relay: (n) => children.get(`relay-${n}`),
    async drained() {
      for (;;) {
        if (await isDrained(ctx)) return;
        await ctx.sleep(300);
      }
    },
    async deadLettered(count) {
      while (readLogs(logDir).filter((r) => r.kind === 'dead-lettered').length < count) await ctx.sleep(100);
    },
    step: (text) => steps.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${text}`),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };

  const extra: Violation[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), scenario.deadlineMs);
  });
  try {
    const result = await Promise.race([scenario.run(ctx).then(() => 'done' as const), deadline]);
    if (result === 'deadline') {
      extra.push({
        invariant: 'deadline',
        message:
          `not finished after ${scenario.deadlineMs / 1000}s; ${await drainStatus(ctx)}; ` +
          `steps: ${steps.slice(-4).join(' | ')}` +
          (producer.lastError ? `; last publish error: ${producer.lastError}` : '') +
          childErrors(logDir),
      });
    }
  } catch (error) {
    extra.push({ invariant: 'deadline', message: `the scenario script threw: ${(error as Error).stack ?? error}` });
  } finally {
    clearTimeout(timer);
  }
  await Promise.all([...children.values()].map((c) => c.kill()));
  await producer.close();
  try {
    await recordTopics(ctx, readSetAside);
  } catch (error) {
    extra.push({ invariant: 'deadline', message: `could not read the topics back: ${(error as Error).message}` });
  }
  log.close();
  cluster.close();
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  const report = checkRun(readLogs(logDir), extra);
  const keep = report.violations.length > 0 || process.env.ORDO_FAULT_KEEP_LOGS === '1';
  if (!keep) rmSync(logDir, { recursive: true, force: true });
  return { scenario: scenario.name, seed, durationMs: Date.now() - started, report, logDir: keep ? logDir : undefined };
}

async function isDrained(ctx: ScenarioContext): Promise<boolean> {
  const admin = ctx.driver.admin();
  const committed = await admin.committedOffsets(ctx.groupId, ctx.topic);
  for (const c of committed) {
    const { high } = await admin.watermarks(ctx.topic, c.partition);
    if ((c.offset ?? -1) < high && high > 0) return false;
  }
  return committed.length > 0;
}

async function drainStatus(ctx: ScenarioContext): Promise<string> {
  try {
    const admin = ctx.driver.admin();
    const committed = await admin.committedOffsets(ctx.groupId, ctx.topic);
    const parts: string[] = [];
    for (const c of committed) {
      const { high } = await admin.watermarks(ctx.topic, c.partition);
      if ((c.offset ?? -1) < high) parts.push(`p${c.partition} committed ${c.offset ?? -1} of ${high}`);
    }
    return parts.length ? `uncommitted: ${parts.join(', ')}` : 'every partition committed';
  } catch (error) {
    return `drain status unknown (${(error as Error).message})`;
  }
}

/** Children that exited on their own (with their stderr's last lines) and the first error events: why a run stalled. */
function childErrors(logDir: string): string {
  const lines: string[] = [];
  const records = readLogs(logDir);
  for (const r of records) {
    if (r.kind !== 'exited') continue;
    const file = join(logDir, `${r.victim}.stderr`);
    const tail = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' / ') : '';
    lines.push(`${r.victim} exited by itself: ${tail.slice(0, 400)}`);
  }
  const seen = new Set<string>();
  for (const r of records) {
    if (r.kind === 'error') seen.add(`${r.proc}: ${r.code} ${r.message.slice(0, 160)}`);
    if (seen.size >= 4) break;
  }
  lines.push(...seen);
  return lines.length ? `; ${lines.join(' | ')}` : '; no child error reported';
}

const hex = (key: Buffer | null) => (key === null ? '' : key.toString('hex'));
const idOf = (r: ConsumedRecord) => String(r.headers['ordo-id'] ?? `${r.topic}/${r.partition}/${r.offset}`);

/** Reads the source topic and its dead letters back into the runner's log: the truth the checker compares with. */
async function recordTopics(
  ctx: ScenarioContext,
  readSetAside: (() => Promise<SetAsideEntry[]>) | undefined,
): Promise<void> {
  const outbox = readLogs(ctx.logDir).some((r) => r.kind === 'inserted');
  for (const r of await readWhole(ctx, ctx.topic)) {
    const at = { topic: r.topic, partition: r.partition, offset: r.offset, key: hex(r.key), id: idOf(r) };
    ctx.log.write(outbox ? { kind: 'published', ...at } : { kind: 'record', ...at });
  }
  if (outbox) return;
  const dead = await readWhole(ctx, `${ctx.topic}.dead-letter`);
  for (const r of dead) {
    ctx.log.write({
      kind: 'dead-letter',
      topic: String(r.headers['ordo-dl-origin-topic']),
      partition: Number(r.headers['ordo-dl-origin-partition']),
      offset: Number(r.headers['ordo-dl-origin-offset']),
      key: hex(r.key),
      id: idOf(r),
      reason: String(r.headers['ordo-dl-reason']),
      deadLetterOffset: r.offset,
      ...(r.headers['ordo-dl-failure-id'] === undefined ? {} : { failureId: String(r.headers['ordo-dl-failure-id']) }),
    });
  }
  for (const entry of (await readSetAside?.()) ?? []) ctx.log.write({ kind: 'set-aside', ...entry });
}

/**
 * Reads a topic back whole. Offsets missing between the low and high watermarks (a
 * hole in the log) are noted in the runner's log: an acknowledged event there is then
 * reported lost by the checker, since no reader can get it.
 */
async function readWhole(ctx: ScenarioContext, topic: string): Promise<ConsumedRecord[]> {
  const records = await readTopic(ctx.driver, topic, { timeoutMs: 60_000 });
  const admin = ctx.driver.admin();
  const [spec] = await admin.describeTopics([topic]);
  for (let p = 0; p < spec!.partitions; p++) {
    const { low, high } = await admin.watermarks(topic, p);
    const offsets = new Set(records.filter((r) => r.partition === p).map((r) => r.offset));
    const holes: number[] = [];
    for (let o = low; o < high; o++) if (!offsets.has(o)) holes.push(o);
    if (holes.length > 0) {
      ctx.log.write({
        kind: 'error',
        code: 'TOPIC_HOLE',
        message: `${topic}/${p}: ${holes.length} offset(s) between ${low} and ${high} not readable, first ${holes[0]}`,
      });
    }
  }
  return records;
}
