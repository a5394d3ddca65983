import type { Role } from './role.js';
import { UserRecord } from './user.row.js';

/** The column behind each field of a User, for a join that reads only what the request selected. */
const USER_FIELD_COLUMNS: Readonly<Record<string, string>> = {
  role: 'role',
  email: 'email',
  clerkUserId: 'clerk_user_id',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};
export const ALL_USER_FIELDS: ReadonlySet<string> = new Set(Object.keys(USER_FIELD_COLUMNS));

/**
 * A user joined into another statement: its id and the columns of `fields` under `<alias>_`
 * names, so that one row can carry a property (or an audit entry) and each of its users.
 */
export function joinedUserColumns(table: string, alias: string, fields: ReadonlySet<string> = ALL_USER_FIELDS): string {
  const columns = [`${table}.id as ${alias}_id`];
  for (const field of fields) {
    const column = USER_FIELD_COLUMNS[field];
    if (column) columns.push(`${table}.${column} as ${alias}_${column}`);
  }
  return columns.join(', ');
}

interface JoinedColumnNames {
  id: string;
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
      id: `${alias}_id`,
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

/**
 * The joined user of `alias`, or null where the row has none (no such relation, or the user is
 * gone). Fields the request did not select were not read: they stay undefined and no resolver
 * reads them.
 */
export function joinedUser(row: Record<string, unknown>, alias: string): UserRecord | null {
  const names = namesOf(alias);
  const id = row[names.id] as number | null | undefined;
  if (id == null) return null;
  return new UserRecord(
    id,
    row[names.role] as Role,
    row[names.email] as string,
    row[names.clerkUserId] as string,
    row[names.createdAt] as string,
    row[names.updatedAt] as string,
  );
}
