import type { SqlRows } from '../db/sql-reader.js';
import { SqlParameters } from '../db/sql-parameters.js';
import { ALL_USER_FIELDS, joinedUser, joinedUserColumns } from '../users/user.columns.js';
import { userIdOf } from '../users/user.service.js';
import { cursorString, decodeCursor, isPgInstant, PageEdge, pageOf, pageSize, type Page } from '../graphql/pagination.js';
import { isUuid } from '../shared/ids.js';
import type { AuditLogFilter } from './audit-log.inputs.js';
import type { AuditLogRow } from './audit-log.row.js';
import { AuditLogRecord } from './audit-log.record.js';
import { AUDIT_SPECS } from './audit-spec.js';

/** Every list of entries runs newest first on (performed_at desc, id desc); each audit index ends with those columns. */
const ORDERING = 'audit:performed_at:desc';
const AUDITED_TYPES = [...AUDIT_SPECS.values()].map((spec) => spec.entityType);
const PROPERTY_TYPE = 'property';
/** Always read: the keys of an entry and its cursor. */
const KEY_COLUMNS = ['id', 'entity_type', 'entity_id', 'performed_by', 'performed_at'];
/** Read only when selected: `changes` above all, whose JSON the driver parses for every row. */
const FIELD_COLUMNS: Readonly<Record<string, string>> = {
  action: 'action',
  changes: 'changes',
  ipAddress: 'ip_address',
  userAgent: 'user_agent',
  seq: 'seq',
  hash: 'hash',
  previousHash: 'previous_hash',
};
const PERFORMER = 'performer';

/** What a request selected of each entry, and of its actor where it selected `performedBy`. */
export interface EntrySelection {
  fields: ReadonlySet<string>;
  performer: ReadonlySet<string> | undefined;
}

/** A stable key for a selection, so that equal selections share a loader. */
export function selectionKey(selection: EntrySelection): string {
  return JSON.stringify([[...selection.fields].sort(), selection.performer ? [...selection.performer].sort() : null]);
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

interface Position {
  performedAt: string;
  id: string;
}

type JoinedRow = AuditLogRow & Record<string, unknown>;

function positionAfter(after: string | null | undefined): Position | undefined {
  if (after == null) return undefined;
  const [performedAt, id] = decodeCursor(after, ORDERING, 2);
  return { performedAt: cursorString(performedAt, isPgInstant), id: cursorString(id, isUuid) };
}

function selectList(selection: EntrySelection): string {
  const columns = [...KEY_COLUMNS];
  for (const field of selection.fields) {
    const column = FIELD_COLUMNS[field];
    if (column) columns.push(column);
  }
  const list = columns.map((column) => `a.${column}`).join(', ');
  return selection.performer ? `${list}, ${joinedUserColumns('u', PERFORMER, selection.performer)}` : list;
}

function performerJoin(selection: EntrySelection): string {
  return selection.performer ? ' left join users u on u.id = a.performed_by' : '';
}

/** Fields the request did not select were not read: they stay undefined and no resolver reads them. */
function recordOf(row: JoinedRow, selection: EntrySelection): AuditLogRecord {
  return new AuditLogRecord(
    row.id,
    row.entity_type,
    row.entity_id,
    row.action,
    row.performed_at,
    row.changes,
    row.ip_address,
    row.user_agent,
    row.performed_by,
    selection.performer ? joinedUser(row, PERFORMER) : undefined,
    row.seq,
    row.hash,
    row.previous_hash,
  );
}

function edgeOf(row: JoinedRow, selection: EntrySelection): PageEdge<AuditLogRecord> {
  return new PageEdge(recordOf(row, selection), ORDERING, [row.performed_at, row.id]);
}

/**
 * The WHERE of `auditLogs`, each filter written so that an index serves it at a million rows:
 * entity → idx_audit_log_entity, action → idx_audit_log_action, performedBy → idx_audit_log_performed_by,
 * from/to → idx_audit_log_performed_at, changedField → idx_audit_log_changes (GIN) or, for a common
 * field, the newest-first walk of idx_audit_log_performed_at, as the planner judges.
 */
function filterConditions(filter: AuditLogFilter | null | undefined, parameters: SqlParameters): string[] {
  const conditions: string[] = [];
  if (!filter) return conditions;
  if (filter.entityType != null) conditions.push(`a.entity_type = ${parameters.add(filter.entityType)}`);
  // The entity index leads with entity_type: naming every audited type lets an id alone use it.
  else if (filter.entityId != null) conditions.push(`a.entity_type = any(${parameters.add(AUDITED_TYPES)}::text[])`);
  if (filter.entityId != null) conditions.push(`a.entity_id = ${parameters.add(filter.entityId)}`);
  if (filter.actions != null) conditions.push(`a.action = any(${parameters.add(filter.actions)}::text[])`);
  if (filter.performedBy != null) conditions.push(`a.performed_by = ${parameters.add(userIdOf(filter.performedBy, 'performedBy'))}`);
  if (filter.from != null) conditions.push(`a.performed_at >= ${parameters.add(filter.from)}`);
  if (filter.to != null) conditions.push(`a.performed_at < ${parameters.add(filter.to)}`);
  if (filter.changedField != null) conditions.push(`a.changes ? ${parameters.add(filter.changedField)}`);
  return conditions;
}

/** Everything of an entry and of its actor: what the live feed delivers, whatever each subscriber selected. */
const WHOLE_ENTRY: EntrySelection = { fields: new Set(Object.keys(FIELD_COLUMNS)), performer: ALL_USER_FIELDS };

/** Audit entries for GraphQL, each list in one parameterised statement, actors joined in where selected. */
export class AuditLogReader {
  constructor(private readonly sql: SqlRows) {}

  /** Entries with their actors, in one statement, by id; an id with no entry is absent from the map. */
  async byIds(ids: readonly string[]): Promise<Map<string, AuditLogRecord>> {
    const rows = await this.sql.rows<JoinedRow>(
      `select ${selectList(WHOLE_ENTRY)} from audit_log a${performerJoin(WHOLE_ENTRY)} where a.id = any($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, recordOf(row, WHOLE_ENTRY)]));
  }

  /** Entries matching the filter, newest first. */
  async list(args: PageArgs & { filter?: AuditLogFilter | null }, selection: EntrySelection): Promise<Page<AuditLogRecord>> {
    const first = pageSize(args.first, 50);
    const after = positionAfter(args.after);
    const parameters = new SqlParameters();
    const conditions = filterConditions(args.filter, parameters);
    // A changed field's best plan depends on how common it is (the GIN index, or a walk in time order).
    const planEachTime = args.filter?.changedField != null;
    const countConditions = [...conditions];
    const countValues = [...parameters.values];
    if (after) {
      conditions.push(`(a.performed_at, a.id) < (${parameters.add(after.performedAt)}::timestamptz, ${parameters.add(after.id)}::uuid)`);
    }
    const where = conditions.length ? ` where ${conditions.join(' and ')}` : '';
    const rows = await this.sql.rows<JoinedRow>(
      `select ${selectList(selection)} from audit_log a${performerJoin(selection)}${where}` +
        ` order by a.performed_at desc, a.id desc limit ${parameters.add(first + 1)}`,
      parameters.values,
      { planEachTime },
    );
    return pageOf(rows, first, after !== undefined, (row) => edgeOf(row, selection), async () => {
      const countWhere = countConditions.length ? ` where ${countConditions.join(' and ')}` : '';
      const [row] = await this.sql.rows<{ total: number }>(`select count(*)::int as total from audit_log a${countWhere}`, countValues, {
        planEachTime,
      });
      return row!.total;
    });
  }

  /**
   * One page of the trail of each property, in one statement: a LATERAL subquery per id walks the
   * entity index newest first and stops after `first + 1` rows, however long a trail is.
   */
  async trails(
    propertyIds: readonly string[],
    args: PageArgs,
    selection: EntrySelection,
    countTrail: (propertyId: string) => Promise<number>,
  ): Promise<Map<string, Page<AuditLogRecord>>> {
    const first = pageSize(args.first, 20);
    const after = positionAfter(args.after);
    const ids = [...new Set(propertyIds)];
    const parameters = new SqlParameters();
    const wanted = parameters.add(ids);
    const type = parameters.add(PROPERTY_TYPE);
    const position = after
      ? ` and (a.performed_at, a.id) < (${parameters.add(after.performedAt)}::timestamptz, ${parameters.add(after.id)}::uuid)`
      : '';
    const limit = parameters.add(first + 1);
    const rows = await this.sql.rows<JoinedRow>(
      `select ${selectList(selection)} from unnest(${wanted}::text[]) as wanted(entity_id)
       cross join lateral (
         select a.* from audit_log a
         where a.entity_type = ${type} and a.entity_id = wanted.entity_id${position}
         order by a.performed_at desc, a.id desc
         limit ${limit}
       ) a${performerJoin(selection)}
       order by a.entity_id, a.performed_at desc, a.id desc`,
      parameters.values,
    );
    const byProperty = new Map<string, JoinedRow[]>(ids.map((id) => [id, []]));
    for (const row of rows) byProperty.get(row.entity_id)?.push(row);
    return new Map(
      ids.map((id) => [
        id,
        pageOf(byProperty.get(id)!, first, after !== undefined, (row) => edgeOf(row, selection), () => countTrail(id)),
      ]),
    );
  }

  /** How many entries each property's trail holds, in one grouped statement. */
  async trailCounts(propertyIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.sql.rows<{ entity_id: string; total: number }>(
      'select entity_id, count(*)::int as total from audit_log where entity_type = $1 and entity_id = any($2::text[]) group by entity_id',
      [PROPERTY_TYPE, [...new Set(propertyIds)]],
    );
    const counts = new Map(rows.map((row) => [row.entity_id, row.total]));
    return new Map(propertyIds.map((id) => [id, counts.get(id) ?? 0]));
  }
}
