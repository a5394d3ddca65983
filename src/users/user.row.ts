import { User } from './user.entity.js';
import type { Role } from './role.js';

/** A `users` row as PostgreSQL returns it (column names). */
export interface UserRow {
  id: number;
  role: Role;
  email: string;
  clerk_user_id: string;
  created_at: Date | string;
  updated_at: Date | string;
}

export const USER_COLUMNS = ['id', 'role', 'email', 'clerkUserId', 'createdAt', 'updatedAt'] as const;

/** A user read to resolve GraphQL fields from, without a managed entity's tracking: it is never flushed. */
export function userFromRow(row: UserRow): User {
  const user = Object.create(User.prototype) as User;
  user.id = row.id;
  user.role = row.role;
  user.email = row.email;
  user.clerkUserId = row.clerk_user_id;
  user.createdAt = new Date(row.created_at);
  user.updatedAt = new Date(row.updated_at);
  return user;
}
