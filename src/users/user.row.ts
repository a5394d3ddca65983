import { instantFromPg } from '../db/pg-instant.js';
import type { User } from './user.entity.js';
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

/**
 * A user read for GraphQL and authorization: plain data with a User's fields, never flushed. Not
 * an object of the entity's prototype: the ORM's property setters there make every assignment
 * cost what a whole listing should.
 */
export class UserRecord implements Pick<User, 'id' | 'role' | 'email' | 'clerkUserId' | 'createdAt' | 'updatedAt'> {
  constructor(
    readonly id: number,
    readonly role: Role,
    readonly email: string,
    readonly clerkUserId: string,
    readonly createdAt: Date,
    readonly updatedAt: Date,
  ) {}
}

export function userFromRow(row: UserRow): UserRecord {
  return new UserRecord(row.id, row.role, row.email, row.clerk_user_id, instantFromPg(row.created_at), instantFromPg(row.updated_at));
}
