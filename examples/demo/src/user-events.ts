import { ContractRegistry } from '@ordo/core';

/** What the monolith's user service publishes on `users`. */
export interface UserEvent {
  readonly id: string;
  readonly name: string;
  readonly email?: string;
  readonly version: number;
}

const user = {
  type: 'object',
  required: ['id', 'name', 'version'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    email: { type: 'string', format: 'email' },
    version: { type: 'integer', minimum: 1 },
  },
} as const;

/** The `users` topic's contract: keyed by user id, three event types. */
export const contracts = new ContractRegistry().topic('users', {
  keyed: true,
  events: { 'user-created': user, 'user-updated': user, 'user-deleted': user },
});

/** The story: five users, each created, updated twice, then deleted. */
export function userStory(): Array<{ key: string; type: string; value: UserEvent }> {
  const names = ['alice', 'bob', 'carol', 'dave', 'erin'];
  const steps = ['user-created', 'user-updated', 'user-updated', 'user-deleted'];
  return steps.flatMap((type, step) =>
    names.map((name) => ({
      key: name,
      type,
      value: { id: name, name, email: `${name}+v${step + 1}@example.com`, version: step + 1 },
    })),
  );
}
