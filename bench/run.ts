/**
 * Runs Ordo's benchmarks and writes their results as JSON to bench/results/.
 * Usage: pnpm bench            (10,000 events, as the targets are stated)
 *        BENCH_EVENTS=2000 pnpm bench   (quicker, less precise)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchKeyLanes } from './key-lanes.bench.js';

const events = Number(process.env.BENCH_EVENTS ?? 10_000);
const results = new URL('./results/', import.meta.url);

console.log(`Key lanes vs partition order: ${events} events, 1 partition, handler 0-5 ms, maxInFlight 100`);
const keyLanes = await benchKeyLanes(events, (line) => console.log(`  ${line}`));

const targets = [
  { name: 'speedup at 20 keys', value: keyLanes.cases.find((c) => c.keys === 20)!.speedup, atLeast: 8 },
  { name: 'speedup at 1 key', value: keyLanes.cases.find((c) => c.keys === 1)!.speedup, atLeast: 0.95 },
];
console.log('\nTargets (anchor: Confluent Parallel Consumer, ~9.9x at 20+ keys, 0.83x at 1 key):');
for (const t of targets) {
  const bar = '#'.repeat(Math.min(60, Math.round(t.value * 3)));
  console.log(
    `  ${t.name.padEnd(20)} ${t.value.toFixed(2).padStart(6)}x ${t.value >= t.atLeast ? 'meets' : 'MISSES'} >= ${t.atLeast}x  ${bar}`,
  );
}

mkdirSync(results, { recursive: true });
const file = fileURLToPath(new URL('key-lanes.json', results));
const environment = {
  node: process.version,
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  date: new Date().toISOString(),
};
writeFileSync(file, `${JSON.stringify({ environment, ...keyLanes, targets }, null, 2)}\n`);
console.log(`\nWritten to ${file}`);
