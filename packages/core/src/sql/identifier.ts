import { InvalidConfigError } from '../errors.js';

// A plain SQL identifier, optionally schema-qualified. Nothing that needs quoting.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

/**
 * Validates a table name that Ordo will splice into SQL. Table names come from
 * configuration, never from input, and still are checked: no quoting, no injection.
 * @throws InvalidConfigError
 */
export function sqlIdentifier(name: string, field: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new InvalidConfigError(
      field,
      `must be a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*, optionally schema.table), got ${JSON.stringify(name)}`,
    );
  }
  return name;
}
