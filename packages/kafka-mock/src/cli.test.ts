import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectProducer } from './test-support/clients.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

function spawnTs(file: string, args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', '--conditions=source', here(file), ...args], {
    cwd: here('..'),
  });
}

async function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  let buffer = '';
  for await (const chunk of child.stdout) {
    buffer += String(chunk);
    const end = buffer.indexOf('\n');
    if (end >= 0) return buffer.slice(0, end);
  }
  throw new Error(`exited before printing a line (code ${child.exitCode})`);
}

describe('ordo-kafka-mock CLI', () => {
  it('starts, prints its servers as JSON, serves a client, and exits 0 on SIGTERM', async () => {
    const child = spawnTs('./cli-main.ts', [
      '--brokers',
      '2',
      '--topic',
      'users:8',
      '--topic',
      'users.dead-letter:8',
      '--json',
    ]);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const info = JSON.parse(await firstLine(child)) as { bootstrapServers: string; brokers: number };
    expect(info.brokers).toBe(2);
    expect(info.bootstrapServers.split(',')).toHaveLength(2);

    const producer = await connectProducer(info.bootstrapServers);
    const report = await producer.send('users', 'user-1', 'hello');
    expect(report.partition).toBeLessThan(8);
    const partitions = await new Promise<number>((resolve, reject) =>
      producer.producer.getMetadata({ topic: 'users.dead-letter', timeout: 10_000 }, (err, md) =>
        err ? reject(err) : resolve(md.topics.find((t) => t.name === 'users.dead-letter')!.partitions.length),
      ),
    );
    expect(partitions).toBe(8);
    await producer.close();

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(stderr).toContain('Stopped on SIGTERM');
  }, 60_000);

  it('prints plain servers without --json and stops on SIGINT', async () => {
    const child = spawnTs('./cli-main.ts', ['--brokers', '1']);
    const line = await firstLine(child);
    expect(line).toMatch(/^127\.0\.0\.1:\d+$/);
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 30_000);

  it('rejects bad arguments with usage and exit code 2', async () => {
    for (const args of [['--brokers', 'zero'], ['--topic', 'users'], ['--topic', 'users:0'], ['--nope']]) {
      const child = spawnTs('./cli-main.ts', args);
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += String(d)));
      const [code] = await once(child, 'exit');
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain('Usage: ordo-kafka-mock');
    }
  }, 60_000);

  it('close() leaves no handle open: a process that used a cluster exits on its own', async () => {
    const child = spawnTs('./test-support/use-and-close.ts', []);
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await once(child, 'exit');
    clearTimeout(timer);
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(out).toContain('delivered at offset 0');
  }, 30_000);
});
