import type { AuditChanges } from './audit-log.entity.js';
import type { AuditAction } from './audit-action.js';

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
  seq: number;
  hash: string;
  previous_hash: string | null;
}
