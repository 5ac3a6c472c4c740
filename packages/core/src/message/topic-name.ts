import { InvalidMessageError } from '../errors.js';

// Kafka's own rule: 1 to 249 characters of [a-zA-Z0-9._-], and not "." or "..".
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Longest topic name Kafka accepts. */
export const MAX_TOPIC_NAME_LENGTH = 249;

/** Whether Kafka would accept `name` as a topic name. */
export function isValidTopicName(name: unknown): name is string {
  return typeof name === 'string' && TOPIC_NAME.test(name) && name !== '.' && name !== '..';
}

/**
 * Refuses a topic name Kafka would refuse, before anything is sent or stored.
 * @throws InvalidMessageError
 */
export function validateTopicName(name: string): void {
  if (!isValidTopicName(name)) throw new InvalidMessageError(`Invalid topic name ${JSON.stringify(name)}`);
}
