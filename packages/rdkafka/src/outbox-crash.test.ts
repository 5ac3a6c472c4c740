import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createOutbox, createOutboxRelay, postgresDialect, readTopic, silentLogger } from '@ordo/core';
import { checkPublishedOrder } from '@ordo/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockDriver, startMockCluster, type MockCluster } from './test-support.js';

const PG_URL = process.env.ORDO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('an outbox relay process killed between produce and delete (PostgreSQL, kafka-mock)', () => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const tables = { outbox: `crash_ob_${suffix}`, failed: `crash_obf_${suffix}`, inbox: `crash_obi_${suffix}` };
  const topic = `outbox-crash-${suffix}`;
  const pool = new pg.Pool({ connectionString: PG_URL });
  const outbox = createOutbox({ dialect: postgresDialect(), tables, logger: silentLogger });
  let cluster: MockCluster;

  beforeAll(async () => {
    cluster = startMockCluster({ brokers: 3 });
    cluster.createTopic(topic, 6);
    await outbox.migrate(pool);
  });
  afterAll(async () => {
    for (const t of Object.values(tables)) await pool.query(`DROP TABLE IF EXISTS ${t}`);
    await pool.end();
    cluster.close();
  });

  it('after a restart only repeats: same ordo-ids, no gap, no reordering', async () => {
    const expected = new Map<string, string[]>();
    const client = await pool.connect();
    try {
      for (let n = 0; n < 200; n++) {
        const key = `k${n % 10}`;
        await client.query('BEGIN');
        const { id } = await outbox.write(client, { topic, key, type: 'counted', value: { n } });
        await client.query('COMMIT');
        expected.set(key, [...(expected.get(key) ?? []), id]);
      }
    } finally {
      client.release();
    }

    const child = fileURLToPath(new URL('./outbox-relay.test-child.ts', import.meta.url));
    const outcome = await new Promise<{ signal: string | null; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--conditions=source', child, cluster.bootstrapServers, JSON.stringify(tables)],
        { timeout: 60_000 },
        (error, stdout) => resolve({ signal: (error as { signal?: string } | null)?.signal ?? null, stdout }),
      );
    });
    expect(outcome.signal).toBe('SIGKILL');
    expect(outcome.stdout).toContain('acknowledged 50');
    // The acknowledged batch was never deleted: all 200 rows are still there.
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${tables.outbox}`)).rows[0].n).toBe(200);

    const relay = createOutboxRelay({ outbox, database: pool, driver: mockDriver(cluster), logger: silentLogger });
    await relay.start();
    await expect
      .poll(async () => (await pool.query(`SELECT count(*)::int AS n FROM ${tables.outbox}`)).rows[0].n, {
        timeout: 30_000,
      })
      .toBe(0);
    await relay.stop();

    const records = await readTopic(mockDriver(cluster), topic, { timeoutMs: 30_000 });
    records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    const report = checkPublishedOrder(
      expected,
      records.map((r) => ({ key: r.key?.toString('utf8') ?? null, id: String(r.headers['ordo-id']) })),
    );
    expect(report).toMatchObject({ missing: [], unexpected: [], reordered: [] });
    expect(report.repeats).toBe(50); // exactly the batch acknowledged before the kill
  });
});
