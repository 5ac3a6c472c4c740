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

  it('called while connect() is in flight, releases the client that connect makes: the process exits', async () => {
    const child = fileURLToPath(new URL('./producer-disconnect.test-child.ts', import.meta.url));
    const outcome = await new Promise<{ signal: string | null; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--conditions=source', child, cluster.bootstrapServers],
        { timeout: 15_000, killSignal: 'SIGKILL' },
        (error, stdout) => resolve({ signal: (error as { signal?: string } | null)?.signal ?? null, stdout }),
      );
    });
    expect(outcome.stdout).toContain('disconnected');
    expect(outcome.signal).toBeNull(); // not killed at the deadline: it exited by itself
  }, 30_000);
});
