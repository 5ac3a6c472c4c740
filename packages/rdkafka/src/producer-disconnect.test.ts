import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockCluster, type MockCluster } from './test-support.js';

describe('RdkafkaProducer.disconnect()', () => {
  let cluster: MockCluster;
  beforeAll(() => {
    cluster = startMockCluster({ brokers: 1 });
  });
  afterAll(() => cluster.close());

  /** Runs a child script that must print `disconnected` and exit by itself within `deadlineMs`. */
  const runChild = (script: string, args: string[], deadlineMs = 15_000) =>
    new Promise<{ signal: string | null; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--conditions=source', fileURLToPath(new URL(script, import.meta.url)), ...args],
        { timeout: deadlineMs, killSignal: 'SIGKILL' },
        (error, stdout) => resolve({ signal: (error as { signal?: string } | null)?.signal ?? null, stdout }),
      );
    });

  it('called while connect() is in flight, releases the client that connect makes: the process exits', async () => {
    const outcome = await runChild('./producer-disconnect.test-child.ts', [cluster.bootstrapServers]);
    expect(outcome.stdout).toContain('disconnected');
    expect(outcome.signal).toBeNull(); // not killed at the deadline: it exited by itself
  }, 30_000);

  it('called while a fresh client opens after a fatal error, releases that client too: the process exits', async () => {
    // Without waiting for the opening client, the process lingered about 11 s, until
    // librdkafka gave that client up; with it, about half a second.
    const outcome = await runChild('./producer-renewal-disconnect.test-child.ts', [], 5_000);
    expect(outcome.stdout).toContain('disconnected');
    expect(outcome.signal).toBeNull();
  }, 30_000);
});
