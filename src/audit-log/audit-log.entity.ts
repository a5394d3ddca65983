import { OptionalProps, type Ref } from '@mikro-orm/core';
import { Entity, Enum, Index, Unique, ManyToOne, PrimaryKey, Property as Column, Trigger } from '@mikro-orm/decorators/legacy';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { v7 as uuidv7 } from 'uuid';
import { User } from '../users/user.entity.js';
import { AuditAction } from './audit-action.js';
import { CHAIN_TRIGGER_BODY } from './audit-chain.js';
import { AUDIT_LOG_ADDED_CHANNEL } from './audit-feed.channel.js';

/** `{ field: { old, new } }` keyed by schema field names. */
export type AuditChanges = Record<string, { old: unknown; new: unknown }>;

const REFUSE = "raise exception 'audit_log is append-only: % is not allowed', tg_op using errcode = 'restrict_violation'";
const ENTRY_COLUMNS_BUT_ACTOR = [
  'id', 'entity_type', 'entity_id', 'action', 'performed_at', 'changes', 'ip_address', 'user_agent',
  'actor_id', 'tx_id', 'seq', 'previous_hash', 'hash',
];
const UNCHANGED_EXCEPT_ACTOR =
  `(${ENTRY_COLUMNS_BUT_ACTOR.map((column) => `new.${column}`).join(', ')})` +
  ' is not distinct from ' +
  `(${ENTRY_COLUMNS_BUT_ACTOR.map((column) => `old.${column}`).join(', ')})`;

/**
 * Filled in by the chain trigger, never by a writer: declared with an onCreate that leaves the value
 * unset, so the ORM neither demands one nor sends one.
 */
const FILLED_BY_DATABASE = (): undefined => undefined;

/**
 * Append-only, enforced by the database. The one UPDATE let through is the foreign key's own
 * ON DELETE SET NULL of performed_by when a user is deleted: it runs nested in the RI trigger.
 * TRUNCATE is refused by a statement trigger in the migration (schema introspection does not see those).
 */
@Trigger({
  name: 'refuse_update',
  timing: 'before',
  events: ['update'],
  body: `if pg_trigger_depth() > 1 and new.performed_by is null and ${UNCHANGED_EXCEPT_ACTOR} then return new; end if; ${REFUSE};`,
})
@Trigger({ name: 'chain', timing: 'before', events: ['insert'], body: CHAIN_TRIGGER_BODY })
/**
 * The live feed: NOTIFY is delivered at commit, in commit order, and never for a rolled-back
 * transaction, so every listening process learns of each committed entry once.
 */
@Trigger({
  name: 'notify_added',
  timing: 'after',
  events: ['insert'],
  forEach: 'row',
  body: `perform pg_notify('${AUDIT_LOG_ADDED_CHANNEL}', new.id::text); return null;`,
})
@Trigger({ name: 'refuse_delete', timing: 'before', events: ['delete'], body: `${REFUSE};` })
@ObjectType('AuditLog', { simpleResolvers: true })
@Entity({ tableName: 'audit_log', comment: 'Append-only record of every change to an audited entity' })
@Index({
  name: 'idx_audit_log_entity',
  expression:
    'create index "idx_audit_log_entity" on "audit_log" ("entity_type", "entity_id", "performed_at" desc, "id" desc)',
})
@Index({
  name: 'idx_audit_log_performed_by',
  expression: 'create index "idx_audit_log_performed_by" on "audit_log" ("performed_by", "performed_at" desc, "id" desc)',
})
@Index({
  name: 'idx_audit_log_performed_at',
  expression: 'create index "idx_audit_log_performed_at" on "audit_log" ("performed_at" desc, "id" desc)',
})
@Index({
  name: 'idx_audit_log_action',
  expression: 'create index "idx_audit_log_action" on "audit_log" ("action", "performed_at" desc, "id" desc)',
})
@Index({ name: 'idx_audit_log_tx_id', properties: ['txId'] })
@Unique({ name: 'audit_log_entity_seq_unique', properties: ['entityType', 'entityId', 'seq'] })
@Index({
  name: 'idx_audit_log_changes',
  expression: 'create index "idx_audit_log_changes" on "audit_log" using gin ("changes")',
})
export class AuditLog {
  [OptionalProps]?: 'performedAt' | 'changes' | 'ipAddress' | 'userAgent' | 'performedBy' | 'actorId' | 'txId' | 'seq' | 'previousHash' | 'hash';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Field(() => String, { description: "'property' or 'user'." })
  @Column({ type: 'string', length: 50, comment: "Audited entity kind: 'property' or 'user'" })
  entityType!: string;

  @Field(() => ID)
  @Column({ type: 'string', length: 64, comment: 'Primary key of the audited row, as text (uuid or integer)' })
  entityId!: string;

  @Field(() => AuditAction)
  @Enum({ items: () => AuditAction, columnType: 'varchar(50)', comment: 'create, update, delete, publish or unpublish' })
  action!: AuditAction;

  @ManyToOne({
    entity: () => User,
    ref: true,
    nullable: true,
    deleteRule: 'set null',
    fieldName: 'performed_by',
    foreignKeyName: 'fk_audit_log_performed_by',
    comment: 'User who made the change; null once that user is deleted',
  })
  performedBy: Ref<User> | null = null;

  @Field(() => DateTimeResolver)
  @Column({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()', comment: 'When the change was flushed' })
  performedAt: Date = new Date();

  @Field(() => JSONObjectResolver, {
    nullable: true,
    description: 'Field name (as in this schema) -> { "old": value, "new": value }; see the contract\'s README.',
  })
  @Column({ type: 'json', nullable: true, comment: 'Field name -> {"old": value, "new": value}' })
  changes: AuditChanges | null = null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'string', length: 45, nullable: true, comment: 'Client address of the request that made the change' })
  ipAddress: string | null = null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true, comment: 'User-Agent of the request that made the change' })
  userAgent: string | null = null;

  @Column({
    type: 'integer',
    nullable: true,
    comment: 'performed_by as written, kept when that user is deleted: the actor the hash covers',
  })
  actorId?: number | null;

  @Column({
    type: 'string',
    columnType: 'xid8',
    defaultRaw: 'pg_current_xact_id()',
    lazy: true,
    comment: 'The writing transaction: lets a commit check that each audited change has its entry',
  })
  txId?: string;

  @Field(() => Int, { description: 'Position in its entity\'s chain: 1, 2, 3… in commit order.' })
  @Column({ type: 'integer', onCreate: FILLED_BY_DATABASE, comment: "Position in the entity's chain: 1, 2, 3… in commit order" })
  seq!: number;

  @Field(() => String, { nullable: true, description: "The hash of the entity's previous entry; null for the first." })
  @Column({ type: 'string', length: 64, nullable: true, comment: "The hash of the entity's previous entry; null for the first" })
  previousHash?: string | null;

  @Field(() => String, { description: "SHA-256, lower-case hex, over previousHash and this entry's content." })
  @Column({
    type: 'string',
    length: 64,
    onCreate: FILLED_BY_DATABASE,
    comment: "SHA-256 (hex) over previous_hash and the entry's canonical content, see audit_log_entry_hash",
  })
  hash!: string;
}
