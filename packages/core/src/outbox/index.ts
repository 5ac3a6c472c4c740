export {
  createOutbox,
  type Outbox,
  type OutboxConfig,
  type OutboxEvents,
  type OutboxTopicConfig,
  type OutboxWriteResult,
} from './outbox.js';
export type { HeldKey, HeldKeysQuery } from './key-holds.js';
export { createOutboxRelay, type OutboxRelay, type OutboxRelayConfig, type OutboxRelayEvents } from './outbox-relay.js';
export { postgresDialect } from './postgres-dialect.js';
export { mysqlDialect } from './mysql-dialect.js';
export type { OutboxDialect, OutboxTransaction } from './outbox-dialect.js';
export type { OutboxTableNames, ResolvedOutboxTables } from './outbox-tables.js';
export { createInbox, type Inbox, type InboxConfig, type InboxResult } from './inbox.js';
export {
  debeziumOutboxConnector,
  type ConnectorDefinition,
  type DebeziumConnection,
  type DebeziumOutboxOptions,
} from './debezium.js';
export type {
  FailedMessage,
  FailedMessageFilter,
  FailedMessagePatch,
  FailedMessageStore,
  FailedOrigin,
  FailedStatus,
  NewFailedMessage,
} from './failed/failed-message.js';
export { SqlFailedMessageStore, type SqlFailedMessageStoreOptions } from './failed/sql-failed-message-store.js';
export {
  NdjsonFailedMessageStore,
  type NdjsonFailedMessageStoreOptions,
} from './failed/ndjson-failed-message-store.js';
export {
  createFailedMessages,
  type EditableMessage,
  type FailedMessages,
  type FailedMessagesConfig,
  type FailedMessageView,
  type RetryOptions,
  type RetryProgress,
  type RetryTarget,
} from './failed/failed-messages.js';
