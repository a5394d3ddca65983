import type { EntityManager, QBFilterQuery } from '@mikro-orm/postgresql';
import { AuditLog } from './audit-log.entity.js';
import type { AuditLogRow } from './audit-log.row.js';
import { AUDIT_SPECS } from './audit-spec.js';
import type { AuditLogFilter } from './audit-log.inputs.js';
import { userIdOf } from '../users/user.service.js';

const AUDITED_TYPES = [...AUDIT_SPECS.values()].map((spec) => spec.entityType);

export type { AuditLogRow };

/**
 * The WHERE of `auditLogs`, each filter written so that an index serves it at a million rows:
 * entity → idx_audit_log_entity, action → idx_audit_log_action, performedBy → idx_audit_log_performed_by,
 * from/to → idx_audit_log_performed_at, changedField → idx_audit_log_changes (GIN) or, for a common
 * field, the newest-first walk of idx_audit_log_performed_at, as the planner judges.
 */
function whereOf(filter: AuditLogFilter | null | undefined): QBFilterQuery<AuditLog> {
  const conditions: QBFilterQuery<AuditLog>[] = [];
  if (!filter) return {};
  if (filter.entityType != null) conditions.push({ entityType: filter.entityType });
  // The entity index leads with entity_type: naming every audited type lets an id alone use it.
  else if (filter.entityId != null) conditions.push({ entityType: { $in: AUDITED_TYPES } });
  if (filter.entityId != null) conditions.push({ entityId: filter.entityId });
  if (filter.actions != null) conditions.push({ action: { $in: filter.actions } });
  if (filter.performedBy != null) conditions.push({ performedBy: userIdOf(filter.performedBy, 'performedBy') });
  if (filter.from != null) conditions.push({ performedAt: { $gte: filter.from } });
  if (filter.to != null) conditions.push({ performedAt: { $lt: filter.to } });
  // `changes ? field`, which the GIN index on changes serves.
  if (filter.changedField != null) conditions.push({ changes: { $hasKey: filter.changedField } });
  return conditions.length === 0 ? {} : { $and: conditions };
}

export class AuditLogService {
  constructor(private readonly em: EntityManager) {}

  /**
   * Every entry matching the filter, newest first, as PostgreSQL returns the rows, read through a
   * cursor on one pooled connection `chunkSize` rows at a time: memory stays flat however many
   * match, and the next chunk is fetched only when the consumer asks for it. Ending the iteration
   * early closes the cursor and releases the connection. A malformed filter throws here, before
   * any query runs.
   */
  stream(filter: AuditLogFilter | null | undefined, chunkSize = 1_000): AsyncIterableIterator<AuditLogRow> {
    // rawResults yields the rows themselves; the typing of stream() speaks of entities whatever the options.
    return this.newestFirst(whereOf(filter)).stream({ rawResults: true, mapResults: false, chunkSize }) as AsyncIterableIterator<AuditLogRow>;
  }

  private newestFirst(where: QBFilterQuery<AuditLog>) {
    return this.em.createQueryBuilder(AuditLog, 'a').select('*').where(where).orderBy({ performedAt: 'desc', id: 'desc' });
  }
}
