import type { Role } from './role.js';
import { UserRecord } from './user.row.js';

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

interface JoinedColumnNames {
  role: string;
  email: string;
  clerkUserId: string;
  createdAt: string;
  updatedAt: string;
}

// Built once per alias: every row of every page reads its users by these names.
const namesByAlias = new Map<string, JoinedColumnNames>();

function namesOf(alias: string): JoinedColumnNames {
  let names = namesByAlias.get(alias);
  if (!names) {
    names = {
      role: `${alias}_role`,
      email: `${alias}_email`,
      clerkUserId: `${alias}_clerk_user_id`,
      createdAt: `${alias}_created_at`,
      updatedAt: `${alias}_updated_at`,
    };
    namesByAlias.set(alias, names);
  }
  return names;
}

/** The joined user of `alias`, or null where the row has none (no such relation, or the user is gone). */
export function joinedUser(row: Record<string, unknown>, alias: string, id: number | null): UserRecord | null {
  const names = namesOf(alias);
  const role = row[names.role] as Role | null | undefined;
  if (id === null || role == null) return null;
  return new UserRecord(
    id,
    role,
    row[names.email] as string,
    row[names.clerkUserId] as string,
    row[names.createdAt] as string,
    row[names.updatedAt] as string,
  );
}
