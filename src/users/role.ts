import { registerEnumType } from 'type-graphql';

/** Stored lowercase in `users.role`; exposed by key (USER, AGENT, ADMIN) in GraphQL. */
export enum Role {
  USER = 'user',
  AGENT = 'agent',
  ADMIN = 'admin',
}

registerEnumType(Role, {
  name: 'Role',
  description: 'Access levels, lowest to highest. A rule that requires a role admits every higher role.',
});

const RANK: Record<Role, number> = { [Role.USER]: 1, [Role.AGENT]: 2, [Role.ADMIN]: 3 };

export function roleAtLeast(actual: Role, required: Role): boolean {
  return RANK[actual] >= RANK[required];
}
