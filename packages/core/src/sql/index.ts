export {
  postgresExecutor,
  mysqlExecutor,
  type SqlExecutor,
  type SqlResult,
  type PostgresQueryable,
  type MysqlQueryable,
} from './sql-executor.js';
export { sqlIdentifier } from './identifier.js';
export {
  inTransaction,
  openSession,
  dialectOf,
  type SqlDatabase,
  type SqlSession,
  type PostgresPool,
  type PostgresPoolClient,
  type PgliteDatabase,
  type MysqlPool,
  type MysqlPoolConnection,
} from './database.js';
