import { Entity, PrimaryKey, Property as Column } from '@mikro-orm/decorators/legacy';

/**
 * The newest link of each entity's audit chain, kept by the chain trigger. Its row is the
 * per-entity lock: the trigger's upsert waits for the previous writer of that entity to commit and
 * then reads its link, so entries are numbered in commit order. Row locks cost no shared memory, so
 * a bulk write touching thousands of entities in one transaction does not exhaust the lock table as
 * one advisory lock per entity would. Verification recomputes from audit_log alone and compares
 * the last entry with this row.
 */
@Entity({ tableName: 'audit_log_head', comment: "The newest link of each entity's audit chain, kept by the chain trigger" })
export class AuditLogHead {
  @PrimaryKey({ type: 'string', length: 50 })
  entityType!: string;

  @PrimaryKey({ type: 'string', length: 64 })
  entityId!: string;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ type: 'string', length: 64, nullable: true })
  previousHash: string | null = null;

  @Column({ type: 'string', length: 64 })
  hash!: string;
}
