import { raw, type EntityManager, type QBFilterQuery } from '@mikro-orm/postgresql';
import { AuditLog } from './audit-log.entity.js';
import { auditLogFromRow, type AuditLogRow } from './audit-log.row.js';
import { AUDIT_SPECS } from './audit-spec.js';
import type { AuditLogFilter } from './audit-log.inputs.js';
import {
  cursorString,
  decodeCursor,
  encodeCursor,
  isPgInstant,
  pageOf,
  pageSize,
  type Page,
} from '../graphql/pagination.js';
import { userIdOf } from '../users/user.service.js';
import { isUuid } from '../shared/ids.js';

/** Every list of entries runs newest first on (performed_at desc, id desc); each audit index ends with those columns. */
const ORDERING = 'audit:performed_at:desc';
const AUDITED_TYPES = [...AUDIT_SPECS.values()].map((spec) => spec.entityType);
const PROPERTY_TYPE = 'property';

export type { AuditLogRow };

interface Position {
  performedAt: string;
  id: string;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

function positionAfter(after: string | null | undefined): Position | undefined {
  if (after == null) return undefined;
  const [performedAt, id] = decodeCursor(after, ORDERING, 2);
  return { performedAt: cursorString(performedAt, isPgInstant), id: cursorString(id, isUuid) };
}

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

  /** Entries matching the filter, newest first. */
  async list(args: PageArgs & { filter?: AuditLogFilter | null }): Promise<Page<AuditLog>> {
    const first = pageSize(args.first, 50);
    const after = positionAfter(args.after);
    const where = whereOf(args.filter);
    const qb = this.newestFirst(where).limit(first + 1);
    if (after) qb.andWhere(raw('(a.performed_at, a.id) < (?::timestamptz, ?::uuid)', [after.performedAt, after.id]));
    const rows = await qb.execute<AuditLogRow[]>('all', false);
    return pageOf(rows, first, after !== undefined, (row) => this.edgeOf(row), () => this.em.count(AuditLog, where));
  }

  /**
   * One page of the trail of each property, in one statement: a LATERAL subquery per id walks the
   * entity index newest first and stops after `first + 1` rows, however long a trail is.
   */
  async trails(
    propertyIds: readonly string[],
    args: PageArgs,
    countTrail: (propertyId: string) => Promise<number>,
  ): Promise<Map<string, Page<AuditLog>>> {
    const first = pageSize(args.first, 20);
    const after = positionAfter(args.after);
    const ids = [...new Set(propertyIds)];
    const placeholders = ids.map(() => '?').join(', ');
    const rows = await this.em.execute<AuditLogRow[]>(
      `select entry.* from unnest(array[${placeholders}]::text[]) as wanted(entity_id)
       cross join lateral (
         select a.* from audit_log a
         where a.entity_type = ? and a.entity_id = wanted.entity_id
         ${after ? 'and (a.performed_at, a.id) < (?::timestamptz, ?::uuid)' : ''}
         order by a.performed_at desc, a.id desc
         limit ?
       ) entry`,
      [...ids, PROPERTY_TYPE, ...(after ? [after.performedAt, after.id] : []), first + 1],
    );
    const byProperty = new Map<string, AuditLogRow[]>(ids.map((id) => [id, []]));
    for (const row of rows) byProperty.get(String(row.entity_id))?.push(row);
    return new Map(
      ids.map((id) => [
        id,
        pageOf(byProperty.get(id)!, first, after !== undefined, (row) => this.edgeOf(row), () => countTrail(id)),
      ]),
    );
  }

  /** How many entries each property's trail holds, in one grouped statement. */
  async trailCounts(propertyIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.em
      .createQueryBuilder(AuditLog, 'a')
      .select(['entityId', raw('count(*)::int as total')])
      .where({ entityType: PROPERTY_TYPE, entityId: { $in: [...new Set(propertyIds)] } })
      .groupBy('entityId')
      .execute<{ entity_id: string; total: number }[]>('all', false);
    const counts = new Map(rows.map((row) => [row.entity_id, row.total]));
    return new Map(propertyIds.map((id) => [id, counts.get(id) ?? 0]));
  }

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

  private edgeOf(row: AuditLogRow): { cursor: string; node: AuditLog } {
    return { cursor: encodeCursor(ORDERING, [row.performed_at, row.id]), node: auditLogFromRow(this.em, row) };
  }
}
