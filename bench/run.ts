/**
 * Runs Ordo's benchmarks and writes their results as JSON to bench/results/.
 * Usage: pnpm bench [suite...]     suites: key-lanes, rdkafka, outbox, backlog (default: all)
 *        BENCH_EVENTS=2000 pnpm bench key-lanes   (quicker, less precise)
 *        BENCH_MESSAGES=20000 BENCH_ROUNDS=3 BENCH_CONSUME_ROUNDS=3 pnpm bench rdkafka
 *        BENCH_ROWS=20000 BENCH_ROUNDS=3 BENCH_SECONDS=10 pnpm bench outbox
 *        BENCH_BACKLOG=200000 NODE_OPTIONS=--expose-gc pnpm bench backlog
 *        BENCH_BACKLOG_CLUSTER=inline ...   (backlog: cluster and producer in the consumer's process, as before)
 *        BENCH_BACKLOG_LIBRDKAFKA='{"queued.min.messages": 1000}' ...   (backlog: other consumer settings)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchKeyLanes } from './key-lanes.bench.js';
import { benchRdkafka } from './rdkafka.bench.js';
import { benchOutbox } from './outbox.bench.js';
import { benchBacklog } from './backlog.bench.js';

interface Target {
  readonly name: string;
  readonly value: number;
  readonly atLeast: number;
}

const results = new URL('./results/', import.meta.url);
const environment = {
  node: process.version,
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  date: new Date().toISOString(),
};
const requested = process.argv.slice(2);
const wants = (suite: string) => requested.length === 0 || requested.includes(suite);

function report(file: string, body: object, targets: readonly Target[]): void {
  for (const t of targets) {
    const bar = '#'.repeat(Math.min(60, Math.round(t.value * 20)));
    console.log(
      `  ${t.name.padEnd(34)} ${t.value.toFixed(2).padStart(6)}x ${t.value >= t.atLeast ? 'meets' : 'MISSES'} >= ${t.atLeast}x  ${bar}`,
    );
  }
  mkdirSync(results, { recursive: true });
  const path = fileURLToPath(new URL(file, results));
  writeFileSync(path, `${JSON.stringify({ environment, ...body, targets }, null, 2)}\n`);
  console.log(`  written to ${path}\n`);
}

if (wants('key-lanes')) {
  const events = Number(process.env.BENCH_EVENTS ?? 10_000);
  console.log(`Key lanes vs partition order: ${events} events, 1 partition, handler 0-5 ms, maxInFlight 100`);
  const r = await benchKeyLanes(events, (line) => console.log(`  ${line}`));
  console.log('  (anchor: Confluent Parallel Consumer, ~9.9x at 20+ keys, 0.83x at 1 key)');
  report('key-lanes.json', r, [
    { name: 'speedup at 20 keys', value: r.cases.find((c) => c.keys === 20)!.speedup, atLeast: 8 },
    { name: 'speedup at 1 key', value: r.cases.find((c) => c.keys === 1)!.speedup, atLeast: 0.95 },
  ]);
}

if (wants('rdkafka')) {
  const messages = Number(process.env.BENCH_MESSAGES ?? 100_000);
  const produceRounds = Number(process.env.BENCH_ROUNDS ?? 31);
  const consumeRounds = Number(process.env.BENCH_CONSUME_ROUNDS ?? 21);
  console.log(
    `@ordo/rdkafka vs raw node-rdkafka on @ordo/kafka-mock: ${messages} messages; ${produceRounds} produce and ${consumeRounds} consume rounds of three runs (A-B-A / B-A-B)`,
  );
  const r = await benchRdkafka(messages, produceRounds, consumeRounds, (line) => console.log(`  ${line}`));
  const range = (q: readonly [number, number]) => `${q[0].toFixed(2)}-${q[1].toFixed(2)}`;
  for (const [name, c] of [
    ['produce', r.produce],
    ['consume', r.consume],
  ] as const) {
    console.log(
      `  ${name}: median runs raw ${c.median.raw.toFixed(0)} msg/s, ordo ${c.median.ordo.toFixed(0)} msg/s (${c.median.ratio.toFixed(3)}x); paired ratio ${c.pairedRatio.toFixed(3)}x, quartiles ${range(c.pairedRatioQuartiles)}; noise floor (same code twice) ${range(c.sameCodeRatioQuartiles)}`,
    );
    const cpu = c.cpuMicrosPerMessage;
    console.log(
      `  ${name}: process CPU per message (median) raw ${cpu.raw.toFixed(1)} µs, ordo ${cpu.ordo.toFixed(1)} µs (raw/ordo ${cpu.ratio.toFixed(3)})`,
    );
  }
  for (const [name, f] of [
    ['publish p50', r.publishLatencyP50],
    ['publish p99', r.publishLatencyP99],
  ] as const) {
    console.log(`  ${name}: raw ${f.raw.toFixed(2)} ms, ordo ${f.ordo.toFixed(2)} ms`);
  }
  report('rdkafka.json', r, [
    { name: 'producer throughput vs raw (paired)', value: r.produce.pairedRatio, atLeast: 0.95 },
    { name: 'consume, key mode, vs raw (paired)', value: r.consume.pairedRatio, atLeast: 0.9 },
    { name: 'publish p50: raw / ordo', value: r.publishLatencyP50.ratio, atLeast: 0.9 },
  ]);
}

if (wants('outbox')) {
  const rows = Number(process.env.BENCH_ROWS ?? 20_000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  console.log(
    `Outbox relay (PostgreSQL -> @ordo/kafka-mock) vs direct produce: ${rows} rows, ${rounds} interleaved rounds`,
  );
  const r = await benchOutbox(rows, rounds, (line) => console.log(`  ${line}`));
  console.log(
    `  relay ${r.relayRowsPerSecond.toFixed(0)} rows/s; direct ${r.directMessagesPerSecond.toFixed(0)} msg/s batch by batch, ${r.directPipelinedMessagesPerSecond.toFixed(0)} msg/s pipelined`,
  );
  report('outbox.json', r, [
    { name: 'relay vs direct, batch by batch', value: r.throughputRatio, atLeast: 0.5 },
    { name: 'relay vs direct, pipelined', value: r.throughputRatioToPipelined, atLeast: 0.5 },
    { name: 'commit-to-ack p99: 100 ms / p99', value: 100 / r.latency.p99Ms, atLeast: 1 },
  ]);
}

if (wants('backlog')) {
  const records = Number(process.env.BENCH_BACKLOG ?? 1_000_000);
  console.log(`Backlog drain through @ordo/rdkafka on @ordo/kafka-mock: ${records} records, key mode, 1 ms handler`);
  const r = await benchBacklog(records, (line) => console.log(`  ${line}`));
  const loop = r.eventLoopDelayMs;
  console.log(
    `  drained in ${(r.drainMs / 1000).toFixed(1)} s (${r.recordsPerSecond.toFixed(0)} records/s); RSS ${r.rssBaselineMB.toFixed(0)} -> ${r.rssPeakMB.toFixed(0)} MB (+${r.rssGrowthMB.toFixed(0)} MB at ${(r.rssPeakAtMs / 1000).toFixed(1)} s), heap used peak ${r.heapUsedPeakMB.toFixed(0)} MB`,
  );
  console.log(
    `  event-loop delay p50 ${loop.p50.toFixed(1)} ms, p99 ${loop.p99.toFixed(1)} ms, max ${loop.max.toFixed(1)} ms`,
  );
  report('backlog.json', r, [
    { name: 'RSS growth: 100 MB / growth', value: 100 / r.rssGrowthMB, atLeast: 1 },
    { name: 'event-loop delay: 50 ms / p99', value: 50 / loop.p99, atLeast: 1 },
    { name: 'event-loop delay: 200 ms / max', value: 200 / loop.max, atLeast: 1 },
  ]);
}
