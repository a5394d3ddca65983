import type { SqlRows } from '../db/sql-reader.js';
import { SqlParameters } from '../db/sql-parameters.js';
import type { User } from '../users/user.entity.js';
import { joinedUser, joinedUserColumns } from '../users/user.columns.js';
import { userIdOf } from '../users/user.service.js';
import {
  SortDirection,
  cursorString,
  decodeCursor,
  isPgInstant,
  PageEdge,
  pageOf,
  pageSize,
  type Page,
} from '../graphql/pagination.js';
import { isUuid } from '../shared/ids.js';
import { malformedPropertyId } from './property.errors.js';
import { PropertyOrderField, type PropertyFilter, type PropertyOrder } from './property.inputs.js';
import { PropertyRecord, type PropertyActor } from './property.record.js';
import { visibilityFor } from './property.visibility.js';
import type { PropertySelection } from './property.joins.js';

type SortColumn = 'created_at' | 'updated_at' | 'title';

/** Each ordering is served by its (column, id) index, walked forwards or backwards. */
const SORTS: Record<PropertyOrderField, { column: SortColumn; keyCast: string; validKey: (key: string) => boolean }> = {
  [PropertyOrderField.CREATED_AT]: { column: 'created_at', keyCast: 'timestamptz', validKey: isPgInstant },
  [PropertyOrderField.UPDATED_AT]: { column: 'updated_at', keyCast: 'timestamptz', validKey: isPgInstant },
  [PropertyOrderField.TITLE]: { column: 'title', keyCast: 'text', validKey: (key) => key.length <= 255 },
};

const ACTOR_COLUMNS: Record<PropertyActor, string> = {
  createdBy: 'created_by',
  updatedBy: 'updated_by',
  publishedBy: 'published_by',
};

/** Timestamps arrive as PostgreSQL prints them (microseconds kept, for exact cursors). */
interface PropertyRow {
  id: string;
  title: string;
  description: string | null;
  is_published: boolean;
  created_at: string;
  updated_at: string;
  created_by: number | null;
  updated_by: number | null;
  published_by: number | null;
  [joined: string]: unknown;
}

export interface PropertyListArgs {
  first?: number | null;
  after?: string | null;
  filter?: PropertyFilter | null;
  orderBy?: PropertyOrder | null;
}

/** Columns read for a selected field; `id` and `created_by` (the owner, for access rules) are always read. */
const FIELD_COLUMNS: Readonly<Record<string, string>> = {
  title: 'title',
  description: 'description',
  isPublished: 'is_published',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  updatedBy: 'updated_by',
  publishedBy: 'published_by',
};

export function propertyIdOf(id: string): string {
  if (!isUuid(id)) throw malformedPropertyId();
  return id.toLowerCase();
}

/** `%` and `_` in a search are literal characters, not wildcards. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * Only the columns the request needs: a listing of titles reads neither descriptions nor
 * instants, which PostgreSQL would send and the driver decode for every row.
 */
function selectList(selection: PropertySelection, extraColumn?: string): string {
  const columns = new Set(['id', 'created_by']);
  if (extraColumn) columns.add(extraColumn);
  for (const field of selection.fields) {
    const column = FIELD_COLUMNS[field];
    if (column) columns.add(column);
  }
  for (const actor of selection.actors.keys()) columns.add(ACTOR_COLUMNS[actor]);
  const list = [...columns].map((column) => `p.${column}`);
  for (const [actor, fields] of selection.actors) {
    list.push(joinedUserColumns(`${ACTOR_COLUMNS[actor]}_user`, ACTOR_COLUMNS[actor], fields));
  }
  return list.join(', ');
}

function fromClause(selection: PropertySelection): string {
  let from = 'properties p';
  for (const actor of selection.actors.keys()) {
    from += ` left join users ${ACTOR_COLUMNS[actor]}_user on ${ACTOR_COLUMNS[actor]}_user.id = p.${ACTOR_COLUMNS[actor]}`;
  }
  return from;
}

/** Fields the request did not select were not read: they stay undefined and no resolver reads them. */
function recordOf(row: PropertyRow, selection: PropertySelection): PropertyRecord {
  const joined: Partial<Record<PropertyActor, User | null>> = {};
  for (const actor of selection.actors.keys()) joined[actor] = joinedUser(row, ACTOR_COLUMNS[actor]);
  return new PropertyRecord(
    row.id,
    row.title,
    row.description,
    row.is_published,
    row.created_at,
    row.updated_at,
    { createdBy: row.created_by, updatedBy: row.updated_by ?? null, publishedBy: row.published_by ?? null },
    joined,
  );
}

/**
 * Properties as the viewer may see them, one parameterised statement per request: the page (or
 * the one property) with the users the request selected joined in. Writes go through
 * PropertyService and the unit of work; this only reads.
 */
export class PropertyReader {
  constructor(
    private readonly sql: SqlRows,
    private readonly viewer: User | null,
  ) {}

  /** The property, or null where it does not exist or the viewer may not see it. */
  async findVisible(id: string, selection: PropertySelection): Promise<PropertyRecord | null> {
    const parameters = new SqlParameters();
    const conditions = [`p.id = ${parameters.add(propertyIdOf(id))}`, ...this.visibilityConditions(parameters)];
    const rows = await this.sql.rows<PropertyRow>(
      `select ${selectList(selection)} from ${fromClause(selection)} where ${conditions.join(' and ')}`,
      parameters.values,
    );
    return rows[0] ? recordOf(rows[0], selection) : null;
  }

  /** The properties the viewer may see, filtered, in one keyset page. */
  async list(args: PropertyListArgs, selection: PropertySelection): Promise<Page<PropertyRecord>> {
    const first = pageSize(args.first, 20);
    const field = args.orderBy?.field ?? PropertyOrderField.CREATED_AT;
    const direction = args.orderBy?.direction === SortDirection.ASC ? 'asc' : 'desc';
    const sort = SORTS[field];
    const ordering = `properties:${field}:${args.orderBy?.direction ?? SortDirection.DESC}`;
    const parameters = new SqlParameters();
    const conditions = [...this.visibilityConditions(parameters), ...this.filterConditions(args.filter, parameters)];
    // A search's best plan depends on the pattern (trigram index or a walk in order).
    const searching = Boolean(args.filter?.search?.trim());
    const countConditions = [...conditions];
    const countValues = [...parameters.values];
    if (args.after != null) {
      const [key, id] = decodeCursor(args.after, ordering, 2);
      const position = [cursorString(key, sort.validKey), cursorString(id, isUuid)];
      const comparison = direction === 'asc' ? '>' : '<';
      conditions.push(
        `(p.${sort.column}, p.id) ${comparison} (${parameters.add(position[0])}::${sort.keyCast}, ${parameters.add(position[1])}::uuid)`,
      );
    }
    const where = conditions.length ? ` where ${conditions.join(' and ')}` : '';
    const rows = await this.sql.rows<PropertyRow>(
      `select ${selectList(selection, sort.column)} from ${fromClause(selection)}${where}` +
        ` order by p.${sort.column} ${direction}, p.id ${direction} limit ${parameters.add(first + 1)}`,
      parameters.values,
      { planEachTime: searching },
    );
    return pageOf(
      rows,
      first,
      args.after != null,
      (row) => new PageEdge(recordOf(row, selection), ordering, [row[sort.column], row.id]),
      async () => {
        const countWhere = countConditions.length ? ` where ${countConditions.join(' and ')}` : '';
        const [row] = await this.sql.rows<{ total: number }>(`select count(*)::int as total from properties p${countWhere}`, countValues, {
          planEachTime: searching,
        });
        return row!.total;
      },
    );
  }

  private visibilityConditions(parameters: SqlParameters): string[] {
    const visibility = visibilityFor(this.viewer);
    if (visibility.kind === 'all') return [];
    if (visibility.kind === 'published') return ['p.is_published'];
    return [`(p.is_published or p.created_by = ${parameters.add(visibility.userId)})`];
  }

  private filterConditions(filter: PropertyFilter | null | undefined, parameters: SqlParameters): string[] {
    const conditions: string[] = [];
    if (filter?.isPublished != null) conditions.push(`p.is_published = ${parameters.add(filter.isPublished)}`);
    if (filter?.createdBy != null) conditions.push(`p.created_by = ${parameters.add(userIdOf(filter.createdBy, 'createdBy'))}`);
    const search = filter?.search?.trim();
    if (search) {
      // One ILIKE per column, joined by OR: each is served by that column's trigram index (a bitmap OR).
      const pattern = parameters.add(containsPattern(search));
      conditions.push(`(p.title ilike ${pattern} or p.description ilike ${pattern})`);
    }
    return conditions;
  }
}
