import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditLog, type AuditChanges } from './audit-log.entity.js';
import type { AuditAction } from './audit-action.js';
import { User } from '../users/user.entity.js';

/** An `audit_log` row as PostgreSQL returns it: column names, and `performed_at` as text with its microseconds, for exact cursors. */
export interface AuditLogRow {
  id: string;
  entity_type: string;
  entity_id: string;
  action: AuditAction;
  performed_by: number | null;
  performed_at: string;
  changes: AuditChanges | null;
  ip_address: string | null;
  user_agent: string | null;
}

/**
 * A listed row as an AuditLog to resolve GraphQL fields from, without the hydration, identity map
 * entry and change-tracking snapshot (of `changes` too) of a managed entity: entries are only read.
 */
export function auditLogFromRow(em: EntityManager, row: AuditLogRow): AuditLog {
  // Not `new AuditLog()`: its field initialisers would mint a uuid for every row, only to overwrite it.
  const entry = Object.create(AuditLog.prototype) as AuditLog;
  entry.id = row.id;
  entry.entityType = row.entity_type;
  entry.entityId = row.entity_id;
  entry.action = row.action;
  entry.performedBy = row.performed_by === null ? null : em.getReference(User, row.performed_by, { wrapped: true });
  entry.performedAt = new Date(row.performed_at);
  entry.changes = row.changes;
  entry.ipAddress = row.ip_address;
  entry.userAgent = row.user_agent;
  return entry;
}
