import { OptionalProps } from '@mikro-orm/core';
import { Entity, Enum, PrimaryKey, Property as Column, Trigger } from '@mikro-orm/decorators/legacy';
import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { Role } from './role.js';
import { requireEntryTriggerDdl, REQUIRE_ENTRY_FUNCTION_DDL } from '../audit-log/audit-chain.js';

/** Completeness: no insert, delete or change of an audited column commits without its audit_log entry. */
const REQUIRES_AUDIT_ENTRY = requireEntryTriggerDdl('users', 'user', ['role', 'email', 'clerk_user_id']);

export const SYSTEM_USER_CLERK_ID = 'system_00000000000000000000';
export const SYSTEM_USER_EMAIL = 'system@bestays.app';

/** The channel on which PostgreSQL names each user that changed or was deleted, whoever wrote it. */
export const USER_CHANGES_CHANNEL = 'bestays_user_changed';

/**
 * Every server process caches viewers; this tells each of them, through its listening connection,
 * which user to forget, for changes made by the API, by scripts and by plain SQL alike.
 */
@Trigger({
  name: 'notify_user_changed',
  timing: 'after',
  events: ['update', 'delete'],
  forEach: 'row',
  body: `perform pg_notify('${USER_CHANGES_CHANNEL}', old.id::text); return null;`,
})
@Trigger({ name: 'require_audit_entry', timing: 'after', events: ['insert', 'delete'], expression: `${REQUIRE_ENTRY_FUNCTION_DDL};\n${REQUIRES_AUDIT_ENTRY.onWrite}` })
@Trigger({ name: 'require_audit_entry_on_update', timing: 'after', events: ['update'], expression: REQUIRES_AUDIT_ENTRY.onUpdate })
@ObjectType('User', { simpleResolvers: true })
@Entity({ tableName: 'users', comment: 'Accounts, one per Clerk user; roles live here, never in tokens' })
export class User {
  [OptionalProps]?: 'role' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Field(() => Role)
  @Enum({ items: () => Role, nativeEnumName: undefined, columnType: 'varchar(20)', default: Role.USER, comment: 'user, agent or admin' })
  role: Role = Role.USER;

  @Field(() => String, { nullable: true })
  @Directive('@auth(requires: ADMIN, orOwner: true)')
  @Column({ type: 'string', length: 255, unique: 'users_email_unique' })
  email!: string;

  @Field(() => String, { nullable: true })
  @Directive('@auth(requires: ADMIN, orOwner: true)')
  @Column({ type: 'string', length: 255, unique: 'users_clerk_user_id_unique', comment: 'The Clerk user id (the token subject)' })
  clerkUserId!: string;

  @Field(() => DateTimeResolver)
  @Column({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Field(() => DateTimeResolver)
  @Column({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
