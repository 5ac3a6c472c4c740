/**
 * The transactional outbox, end to end, on embedded defaults (PGlite + InMemoryKafka):
 * the orders service writes each order and its event in one transaction; the relay
 * publishes them in order per customer; an event that breaks its contract is
 * quarantined while its order commits, and holds its customer's later events until an
 * operator fixes and republishes it; billing charges each order once, in order, even
 * when an event is delivered twice.
 */
import { PGlite } from '@electric-sql/pglite';
import {
  createConsumer,
  createFailedMessages,
  createInbox,
  createOutbox,
  createOutboxRelay,
  createProducer,
  InMemoryKafka,
  postgresDialect,
  silentLogger,
  SqlFailedMessageStore,
  postgresExecutor,
  type PostgresQueryable,
} from '@ordo/core';
import { contracts, SCHEMA, type OrderPlaced } from './shop-schema.js';

let started = Date.now();
const log = (line: string) => console.log(`+${String(Date.now() - started).padStart(4)}ms  ${line}`);

const db = await PGlite.create();
for (const statement of SCHEMA) await db.query(statement);
const kafka = new InMemoryKafka({ partitions: 4 });
const outbox = createOutbox({ dialect: postgresDialect(), contracts, logger: silentLogger });
await outbox.migrate(db);
outbox.on('quarantined', (q) => log(`quarantined ${q.type} for ${q.key}: ${q.error.message}`));

/** The orders service: the order row and its event commit together, or neither does. */
async function placeOrder(orderId: string, customerId: string, cents: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO orders (id, customer_id, cents) VALUES ($1, $2, $3)', [orderId, customerId, cents]);
    await outbox.write(tx, {
      topic: 'orders',
      key: customerId,
      type: 'order-placed',
      value: { orderId, customerId, cents },
    });
  });
}

// Billing: charges each order once per event id, in the same transaction as the charge.
const inbox = createInbox({ dialect: postgresDialect(), scope: 'billing' });
let duplicatesSkipped = 0;
const billing = createConsumer({
  driver: kafka,
  groupId: 'billing',
  topics: ['orders'],
  contracts,
  logger: silentLogger,
});
billing.handle<OrderPlaced>('orders', 'order-placed', async (event) => {
  const outcome = await db.transaction((tx) =>
    inbox.once(tx, event.id, () =>
      tx.query('INSERT INTO charges (order_id, customer_id, cents) VALUES ($1, $2, $3)', [
        event.value.orderId,
        event.value.customerId,
        event.value.cents,
      ]),
    ),
  );
  if (outcome.ran) log(`billing charged ${event.value.orderId} for ${event.key}: ${event.value.cents} cents`);
  else {
    duplicatesSkipped++;
    log(`billing skipped a duplicate of ${event.value.orderId} (same ordo-id)`);
  }
});
await billing.start();

const relay = createOutboxRelay({ outbox, database: db, driver: kafka, pollIntervalMs: 50, logger: silentLogger });
relay.on('published', (p) => log(`relay published ${p.count} event(s)`));
await relay.start();
started = Date.now();

await placeOrder('o-1', 'alice', 1200);
await placeOrder('o-2', 'bob', 800);
await placeOrder('o-3', 'alice', -5); // a bug upstream: the contract refuses it, the order still commits
await placeOrder('o-4', 'alice', 300);

const charged = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM charges')).rows[0]!.n;
const until = async (check: () => Promise<boolean>) => {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10));
};
// o-3 is quarantined, so alice's o-4 waits behind it in the outbox (O7); bob flows.
await until(async () => (await charged()) === 2);
for (const held of await outbox.heldKeys(db)) {
  log(`outbox holds ${held.key}: ${held.heldRows} later event(s) wait for the quarantined one`);
}

// The same event delivered again (a relay crash between publish and delete does this).
const first = [0, 1, 2, 3].flatMap((partition) => kafka.records('orders', partition))[0];
const producer = createProducer({ driver: kafka, contracts });
const again = JSON.parse(first!.value!.toString()) as OrderPlaced;
await producer.publish({
  topic: 'orders',
  key: again.customerId,
  type: 'order-placed',
  value: again,
  id: String(first!.headers['ordo-id']),
});
await until(async () => duplicatesSkipped === 1);

// The operator fixes the quarantined event and republishes it through the outbox.
const failed = createFailedMessages({
  store: new SqlFailedMessageStore({ executor: postgresExecutor(db as PostgresQueryable) }),
  contracts,
  outbox: { outbox, database: db },
});
const [quarantined] = await failed.list();
log(
  `operator: ${quarantined!.failureId.slice(0, 8)} ${quarantined!.type} for ${quarantined!.key}, attempts ${quarantined!.attempts}`,
);
await failed.edit(quarantined!.failureId, (m) => ({ ...m, value: { ...(m.value as OrderPlaced), cents: 500 } }));
await failed.retry(quarantined!.failureId, { to: 'outbox' });
log('operator: fixed the amount and republished it with its original ordo-id');
await until(async () => (await charged()) === 4);
const alice = await db.query<{ order_id: string }>(
  "SELECT order_id FROM charges WHERE customer_id = 'alice' ORDER BY seq",
);
log(`alice was charged in order: ${alice.rows.map((r) => r.order_id).join(', ')}`);

await relay.stop();
await billing.stop();
await producer.disconnect();
const orders = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows[0]!.n;
const pending = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${outbox.tables.outbox}`)).rows[0]!.n;
console.log(
  `\n${orders} orders committed, ${await charged()} charged once each, ${duplicatesSkipped} duplicate skipped by the inbox.`,
);
console.log(`Quarantined events fixed and republished: 1. Outbox rows left: ${pending}.`);
await db.close();
