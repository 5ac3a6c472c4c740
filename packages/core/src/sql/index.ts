export {
  postgresExecutor,
  mysqlExecutor,
  type SqlExecutor,
  type SqlResult,
  type PostgresQueryable,
  type MysqlQueryable,
} from './sql-executor.js';
export { sqlIdentifier } from './identifier.js';
