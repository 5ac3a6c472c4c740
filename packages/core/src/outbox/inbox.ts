import { InvalidConfigError, InvalidMessageError } from '../errors.js';
import { sqlIdentifier } from '../sql/identifier.js';
import type { OutboxDialect, OutboxTransaction } from './outbox-dialect.js';
import { createInboxTableSql } from './shared-ddl.js';
import { assertTransactionHandle } from './outbox.js';

/** Configuration of {@link createInbox}. */
export interface InboxConfig {
  readonly dialect: OutboxDialect;
  /**
   * Whose effects are deduplicated: one scope per handler (or service), so that two
   * handlers of the same event each run once.
   */
  readonly scope: string;
  /** @default 'ordo_inbox' */
  readonly table?: string;
}

/** The outcome of {@link Inbox.once}. */
export type InboxResult<T> = { readonly ran: true; readonly result: T } | { readonly ran: false };

/**
 * Deduplicates handler effects by event id (O6): at-least-once delivery, exactly-once effect,
 * as long as the effect is in the same database transaction as the inbox row.
 */
export interface Inbox {
  /**
   * Runs `fn` inside `tx` unless `messageId` was already handled in this scope. The id is
   * recorded in `tx`, so if `tx` rolls back, the event is handled again next time. A
   * concurrent transaction with the same id waits for this one and then skips.
   */
  once<T>(tx: OutboxTransaction, messageId: string, fn: () => Promise<T>): Promise<InboxResult<T>>;
  /** Creates the inbox table if it does not exist. */
  migrate(db: OutboxTransaction): Promise<void>;
  /** Deletes ids handled before `before`; returns how many. Keep them longer than any redelivery can take. */
  purge(db: OutboxTransaction, before: Date): Promise<number>;
}

/**
 * Creates an inbox.
 *
 * @example
 * const inbox = createInbox({ dialect: postgresDialect(), scope: 'billing' });
 * consumer.handle('orders', 'order-placed', (event) =>
 *   db.transaction((tx) => inbox.once(tx, event.id, () => charge(tx, event.value))));
 */
export function createInbox(config: InboxConfig): Inbox {
  if (!config?.dialect) throw new InvalidConfigError('dialect', 'is required');
  if (typeof config.scope !== 'string' || config.scope === '' || config.scope.length > 191) {
    throw new InvalidConfigError('scope', 'must be a non-empty string of at most 191 characters');
  }
  const { dialect, scope } = config;
  const table = sqlIdentifier(config.table ?? 'ordo_inbox', 'inbox.table');
  return {
    async once(tx, messageId, fn) {
      if (typeof messageId !== 'string' || messageId === '' || messageId.length > 191) {
        throw new InvalidMessageError('inbox.once needs the event id (a non-empty string of at most 191 characters)');
      }
      assertTransactionHandle(tx, 'inbox.once');
      const fresh = await dialect.insertInboxId(dialect.executor(tx), table, scope, messageId);
      return fresh ? { ran: true, result: await fn() } : { ran: false };
    },
    async migrate(db) {
      const executor = dialect.executor(db);
      await executor.query(createInboxTableSql(table, executor.dialect));
    },
    async purge(db, before) {
      const { affected } = await dialect.executor(db).query(`DELETE FROM ${table} WHERE handled_at < ?`, [before]);
      return affected;
    },
  };
}
