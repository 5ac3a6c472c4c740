import { DatabaseError, OrdoError, messageOf } from '../errors.js';

/**
 * Awaits a database operation and turns a driver's failure (connection lost, deadlock,
 * lock timeout) into a `DatabaseError` naming `what`; Ordo's own errors pass unchanged.
 * Callers tell database trouble from Kafka trouble by this class.
 */
export async function asDatabaseError<T>(operation: Promise<T>, what: string): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof OrdoError) throw error;
    throw new DatabaseError(`${what}: ${messageOf(error)}`, { cause: error });
  }
}
