import type { SqlReader } from '../db/sql-reader.js';
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
import { PROPERTY_ACTORS, PropertyRecord, type PropertyActor } from './property.record.js';
import { visibilityFor } from './property.visibility.js';

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

/** Which users to bring along in the same statement: those the request selected and may see. */
export type ActorJoins = ReadonlySet<PropertyActor>;

export function propertyIdOf(id: string): string {
  if (!isUuid(id)) throw malformedPropertyId();
  return id.toLowerCase();
}

/** `%` and `_` in a search are literal characters, not wildcards. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

function selectList(joins: ActorJoins): string {
  const columns = ['p.id, p.title, p.description, p.is_published, p.created_at, p.updated_at, p.created_by, p.updated_by, p.published_by'];
  for (const actor of joins) columns.push(joinedUserColumns(`${ACTOR_COLUMNS[actor]}_user`, ACTOR_COLUMNS[actor]));
  return columns.join(', ');
}

function fromClause(joins: ActorJoins): string {
  let from = 'properties p';
  for (const actor of joins) from += ` left join users ${ACTOR_COLUMNS[actor]}_user on ${ACTOR_COLUMNS[actor]}_user.id = p.${ACTOR_COLUMNS[actor]}`;
  return from;
}

function recordOf(row: PropertyRow, joins: ActorJoins): PropertyRecord {
  const joined: Partial<Record<PropertyActor, User | null>> = {};
  for (const actor of joins) joined[actor] = joinedUser(row, ACTOR_COLUMNS[actor], row[ACTOR_COLUMNS[actor]] as number | null);
  return new PropertyRecord(
    row.id,
    row.title,
    row.description,
    row.is_published,
    row.created_at,
    row.updated_at,
    { createdBy: row.created_by, updatedBy: row.updated_by, publishedBy: row.published_by },
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
    private readonly sql: SqlReader,
    private readonly viewer: User | null,
  ) {}

  /** The property, or null where it does not exist or the viewer may not see it. */
  async findVisible(id: string, joins: ActorJoins): Promise<PropertyRecord | null> {
    const parameters = new SqlParameters();
    const conditions = [`p.id = ${parameters.add(propertyIdOf(id))}`, ...this.visibilityConditions(parameters)];
    const rows = await this.sql.rows<PropertyRow>(
      `select ${selectList(joins)} from ${fromClause(joins)} where ${conditions.join(' and ')}`,
      parameters.values,
    );
    return rows[0] ? recordOf(rows[0], joins) : null;
  }

  /** The properties the viewer may see, filtered, in one keyset page. */
  async list(args: PropertyListArgs, joins: ActorJoins): Promise<Page<PropertyRecord>> {
    const first = pageSize(args.first, 20);
    const field = args.orderBy?.field ?? PropertyOrderField.CREATED_AT;
    const direction = args.orderBy?.direction === SortDirection.ASC ? 'asc' : 'desc';
    const sort = SORTS[field];
    const ordering = `properties:${field}:${args.orderBy?.direction ?? SortDirection.DESC}`;
    const parameters = new SqlParameters();
    const conditions = [...this.visibilityConditions(parameters), ...this.filterConditions(args.filter, parameters)];
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
      `select ${selectList(joins)} from ${fromClause(joins)}${where}` +
        ` order by p.${sort.column} ${direction}, p.id ${direction} limit ${parameters.add(first + 1)}`,
      parameters.values,
    );
    return pageOf(
      rows,
      first,
      args.after != null,
      (row) => new PageEdge(recordOf(row, joins), ordering, [row[sort.column], row.id]),
      async () => {
        const countWhere = countConditions.length ? ` where ${countConditions.join(' and ')}` : '';
        const [row] = await this.sql.rows<{ total: number }>(`select count(*)::int as total from properties p${countWhere}`, countValues);
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

export { PROPERTY_ACTORS };
