import { createOutbox, inTransaction, mysqlDialect, postgresDialect, silentLogger } from '@ordo/core';
import type { SqlDatabase } from '@ordo/core';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { MYSQL_URL, PG_URL } from '../runner/databases.js';
import type { Scenario, ScenarioContext } from '../runner/scenario.js';

const hexOf = (text: string) => Buffer.from(text).toString('hex');

async function openDatabase(kind: 'postgres' | 'mysql'): Promise<{ db: SqlDatabase; close(): Promise<void> }> {
  if (kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
    return { db: pool, close: () => pool.end() };
  }
  const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 });
  return { db: pool as unknown as SqlDatabase, close: () => pool.end() };
}

/**
 * Outbox relays killed mid-batch (SIGKILL from the runner at random moments, and by
 * themselves right after an acknowledged batch, before its rows are deleted) while
 * the application keeps writing rows. Per key, Kafka must hold the rows in insertion
 * order, with repeats only as a suffix sent again after a crash (O7).
 */
function relayCrash(database: 'postgres' | 'mysql'): Scenario {
  return {
    name: `relay-crash-${database === 'postgres' ? 'pg' : 'mariadb'}`,
    description: `outbox relays on ${database === 'postgres' ? 'PostgreSQL' : 'MariaDB'} killed mid-batch while rows are written`,
    bounded: true,
    partitions: 4,
    deadLetters: false,
    deadlineMs: 60_000,
    run: (ctx) => runRelayCrash(ctx, database),
  };
}

async function runRelayCrash(ctx: ScenarioContext, database: 'postgres' | 'mysql'): Promise<void> {
  const suffix = `${ctx.seed}_${Math.random().toString(36).slice(2, 7)}`;
  const tables = { outbox: `faults_ob_${suffix}`, failed: `faults_obf_${suffix}`, inbox: `faults_obi_${suffix}` };
  const { db, close } = await openDatabase(database);
  const outbox = createOutbox({
    dialect: database === 'postgres' ? postgresDialect() : mysqlDialect(),
    tables,
    logger: silentLogger,
  });
  const url = database === 'postgres' ? PG_URL : MYSQL_URL;
  try {
    await inTransaction(db, (tx) => outbox.migrate(tx));
    const relay = (n: number, dieAfterAcknowledged?: number) =>
      ctx.startRelay(n, { database, url, tables, batchSize: 20, dieAfterAcknowledged });
    // Whichever relay takes the lease first dies right after an acknowledged batch.
    await Promise.all([relay(1, ctx.random.int(1, 4)).ready, relay(2, ctx.random.int(1, 4)).ready]);
    const rows = 600 * ctx.scale.events;
    const keys = Array.from({ length: 20 }, (_, i) => `order-${i}`);
    let written = 0;
    let nextKill = ctx.random.int(80, 160);
    while (written < rows) {
      const size = ctx.random.int(1, 5);
      const batch = Array.from({ length: size }, () => ctx.random.pick(keys));
      const ids = await inTransaction(db, async (tx) => {
        const out: string[] = [];
        for (const key of batch)
          out.push((await outbox.write(tx, { topic: ctx.topic, key, type: 'row', value: { written } })).id);
        return out;
      });
      batch.forEach((key, i) => ctx.log.write({ kind: 'inserted', key: hexOf(key), id: ids[i]! }));
      written += size;
      await ctx.sleep(ctx.random.int(2, 12)); // the application writes over time, the relays keep up
      if (written >= nextKill) {
        nextKill += ctx.random.int(80, 160);
        const victim = ctx.random.int(1, 2);
        ctx.step(`kill relay ${victim}`);
        await ctx.relay(victim)?.kill();
        relay(victim, ctx.random.chance(0.5) ? ctx.random.int(1, 3) : undefined);
      }
      // Restart relays that killed themselves, so that one is always there.
      for (const n of [1, 2])
        if (!ctx.relay(n)?.alive) relay(n, ctx.random.chance(0.3) ? ctx.random.int(1, 3) : undefined);
    }
    ctx.step('waiting for the outbox to empty');
    for (let round = 0; ; round++) {
      // Relays may still die mid-batch while draining the rest, a few times at most.
      for (const n of [1, 2]) if (!ctx.relay(n)?.alive) relay(n, round < 20 && ctx.random.chance(0.3) ? 1 : undefined);
      const left = await inTransaction(db, (tx) => tx.query(`SELECT count(*) AS n FROM ${tables.outbox}`));
      if (Number((left.rows[0] as { n: number | string }).n) === 0) break;
      await ctx.sleep(200);
    }
    await Promise.all([1, 2].map((n) => ctx.relay(n)?.stop()));
  } finally {
    for (const t of Object.values(tables))
      await inTransaction(db, (tx) => tx.query(`DROP TABLE IF EXISTS ${t}`)).catch(() => undefined);
    await close();
  }
}

export const relayCrashPostgres = relayCrash('postgres');
export const relayCrashMariadb = relayCrash('mysql');
