/** Rows a statement returned, and how many rows it changed. */
export interface SqlResult<R> {
  readonly rows: R[];
  readonly affected: number;
  /** MySQL: the first AUTO_INCREMENT value an INSERT generated. */
  readonly insertId?: number;
}

/**
 * How Ordo talks to a database: one small interface over `pg`, PGlite and `mysql2`,
 * so that core never imports a client library. Statements are written with `?`
 * placeholders; the PostgreSQL executor renumbers them to `$1, $2, ...`.
 */
export interface SqlExecutor {
  readonly dialect: 'postgres' | 'mysql';
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
}

/** The part of a `pg` Pool, Client or PoolClient (or a PGlite instance) Ordo uses. */
export interface PostgresQueryable {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: unknown[]; rowCount?: number | null; affectedRows?: number }>;
}

/** The part of a `mysql2/promise` Pool or Connection Ordo uses. */
export interface MysqlQueryable {
  query(sql: string, values?: unknown[]): Promise<[unknown, unknown]>;
}

/** An executor over `pg` or PGlite. */
export function postgresExecutor(client: PostgresQueryable): SqlExecutor {
  return {
    dialect: 'postgres',
    async query<R>(sql: string, params: readonly unknown[] = []) {
      let n = 0;
      const text = sql.replace(/\?/g, () => `$${++n}`);
      const result = await client.query(text, [...params]);
      return { rows: result.rows as R[], affected: result.rowCount ?? result.affectedRows ?? 0 };
    },
  };
}

/** An executor over `mysql2/promise`. */
export function mysqlExecutor(client: MysqlQueryable): SqlExecutor {
  return {
    dialect: 'mysql',
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const [result] = await client.query(sql, [...params]);
      if (Array.isArray(result)) return { rows: result as R[], affected: 0 };
      const { affectedRows, insertId } = result as { affectedRows?: number; insertId?: number };
      return { rows: [], affected: affectedRows ?? 0, ...(insertId ? { insertId } : {}) };
    },
  };
}
