import { instantFromPg } from '../db/pg-instant.js';
import type { User } from './user.entity.js';
import type { Role } from './role.js';

/** The columns of a `UserRow`, for every statement that reads users whole. */
export const USER_ROW_COLUMNS = 'id, role, email, clerk_user_id, created_at, updated_at';

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
  private createdAtDate: Date | undefined;
  private updatedAtDate: Date | undefined;

  constructor(
    readonly id: number,
    readonly role: Role,
    readonly email: string,
    readonly clerkUserId: string,
    /** As PostgreSQL gave them: made Dates only if a client selects them. */
    private readonly createdAtValue: string | Date,
    private readonly updatedAtValue: string | Date,
  ) {}

  get createdAt(): Date {
    return (this.createdAtDate ??= instantFromPg(this.createdAtValue));
  }

  get updatedAt(): Date {
    return (this.updatedAtDate ??= instantFromPg(this.updatedAtValue));
  }
}

export function userFromRow(row: UserRow): UserRecord {
  return new UserRecord(row.id, row.role, row.email, row.clerk_user_id, row.created_at, row.updated_at);
}
