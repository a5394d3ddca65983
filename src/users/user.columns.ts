import { User } from './user.entity.js';
import type { Role } from './role.js';

/**
 * A user joined into another statement: its columns under `<alias>_` names, so that one row can
 * carry a property (or an audit entry) and each of its users.
 */
export function joinedUserColumns(table: string, alias: string): string {
  return (
    `${table}.role as ${alias}_role, ${table}.email as ${alias}_email, ${table}.clerk_user_id as ${alias}_clerk_user_id, ` +
    `${table}.created_at as ${alias}_created_at, ${table}.updated_at as ${alias}_updated_at`
  );
}

/** The joined user of `alias`, or null where the row has none (no such relation, or the user is gone). */
export function joinedUser(row: Record<string, unknown>, alias: string, id: number | null): User | null {
  const role = row[`${alias}_role`] as Role | null | undefined;
  if (id === null || role == null) return null;
  const user = Object.create(User.prototype) as User;
  user.id = id;
  user.role = role;
  user.email = row[`${alias}_email`] as string;
  user.clerkUserId = row[`${alias}_clerk_user_id`] as string;
  user.createdAt = new Date(row[`${alias}_created_at`] as string);
  user.updatedAt = new Date(row[`${alias}_updated_at`] as string);
  return user;
}
