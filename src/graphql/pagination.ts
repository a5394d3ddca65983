import { Field, Int, ObjectType, registerEnumType, type ClassType } from 'type-graphql';
import { malformedCursor, pageSizeOutOfRange } from './input.errors.js';

export const MAX_PAGE_SIZE = 100;

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}

registerEnumType(SortDirection, { name: 'SortDirection' });

@ObjectType('PageInfo', { simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** `first` as asked, or the field's default when the client sent null. */
export function pageSize(first: number | null | undefined, fallback: number): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) throw pageSizeOutOfRange(MAX_PAGE_SIZE);
  return size;
}

type CursorPart = string | number;

/**
 * A cursor is opaque to clients: base64url of `[ordering, ...sort key, id]`. The ordering tag makes a
 * cursor from one ordering (or one list) unusable in another instead of silently skipping rows.
 */
export function encodeCursor(ordering: string, parts: readonly CursorPart[]): string {
  return Buffer.from(JSON.stringify([ordering, ...parts]), 'utf8').toString('base64url');
}

/** The parts of a cursor made for `ordering`; anything else is BAD_USER_INPUT. */
export function decodeCursor(cursor: string, ordering: string, arity: number): unknown[] {
  // Node's base64 decoder skips invalid characters; re-encoding tells a real cursor from noise.
  const bytes = Buffer.from(cursor, 'base64url');
  if (cursor.length === 0 || cursor.length > 1_024 || bytes.toString('base64url') !== cursor) throw malformedCursor();
  let decoded: unknown;
  try {
    decoded = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformedCursor();
  }
  if (!Array.isArray(decoded) || decoded.length !== arity + 1 || decoded[0] !== ordering) throw malformedCursor();
  return decoded.slice(1);
}

/** A cursor part that must be a string accepted by `valid`. */
export function cursorString(part: unknown, valid: (value: string) => boolean): string {
  if (typeof part !== 'string' || !valid(part)) throw malformedCursor();
  return part;
}

/** A cursor part that must be a positive integer id. */
export function cursorInteger(part: unknown): number {
  if (typeof part !== 'number' || !Number.isSafeInteger(part) || part < 1 || part > 2_147_483_647) throw malformedCursor();
  return part;
}

const PG_INSTANT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?\+00$/;

/**
 * A timestamptz as PostgreSQL prints it in a UTC session (`2026-11-25 12:20:55.400462+00`). Keys keep
 * PostgreSQL's microseconds: a JavaScript Date would round them to milliseconds, and a keyset
 * comparison on the rounded value skips or repeats rows that share a millisecond.
 */
export function isPgInstant(value: string): boolean {
  const match = PG_INSTANT.exec(value);
  if (!match) return false;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const date = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute
  );
}

export interface Edge<Node> {
  readonly cursor: string;
  readonly node: Node;
}

/**
 * An edge whose cursor is encoded only if a client selects it: a listing that asks for nodes
 * alone pays no JSON and base64 per row.
 */
export class PageEdge<Node> implements Edge<Node> {
  constructor(
    readonly node: Node,
    private readonly ordering: string,
    private readonly position: readonly CursorPart[],
  ) {}

  get cursor(): string {
    return encodeCursor(this.ordering, this.position);
  }
}

/** One page of a keyset query: rows fetched with `limit first + 1`, so the extra row tells whether more follow. */
export interface Page<Node> {
  edges: Edge<Node>[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Runs the COUNT; called only when a client selects `totalCount`. */
  countTotal: () => Promise<number>;
}

export function pageOf<Row, Node>(
  rows: readonly Row[],
  first: number,
  afterGiven: boolean,
  toEdge: (row: Row) => Edge<Node>,
  countTotal: () => Promise<number>,
): Page<Node> {
  return {
    edges: rows.slice(0, first).map(toEdge),
    hasNextPage: rows.length > first,
    // Forward-only paging: a cursor means the client came from an earlier page (Relay allows this shortcut).
    hasPreviousPage: afterGiven,
    countTotal,
  };
}

/**
 * A page's PageInfo, whose cursors are encoded only if a client selects them. The getters live on
 * the prototype: an object literal with getter closures of its own leaves V8 old-generation data
 * pointing at those closures and, through them, at the whole page, so every page of every request
 * outlived the young generation's collections and waited for a full one (13 KB per listing of 50,
 * three full collections a second under load; bench/README.md, "The tail").
 */
class PageInfoOfEdges<Node> {
  constructor(
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
    private readonly edges: readonly Edge<Node>[],
  ) {}

  get startCursor(): string | null {
    return this.edges[0]?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.edges.at(-1)?.cursor ?? null;
  }
}

export interface Connection<Node> {
  edges: Edge<Node>[];
  nodes: Node[];
  pageInfo: PageInfo;
  totalCount(): Promise<number>;
}

/**
 * The Relay connection and edge types for one node type, named `<Name>Connection` and `<Name>Edge`.
 * `Node` is what the page holds: the GraphQL type's class, or the plain records a reader returns for it.
 */
export function connectionType<Node extends object>(name: string, nodeType: ClassType<object>): new (page: Page<Node>) => Connection<Node> {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class EdgeType implements Edge<Node> {
    @Field(() => String)
    cursor!: string;

    @Field(() => nodeType)
    node!: Node;
  }

  @ObjectType(`${name}Connection`, { simpleResolvers: true })
  class ConnectionType implements Connection<Node> {
    @Field(() => [EdgeType])
    edges: Edge<Node>[];

    @Field(() => [nodeType])
    nodes: Node[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    readonly countTotal: () => Promise<number>;

    constructor(page: Page<Node>) {
      this.edges = page.edges;
      this.nodes = page.edges.map((edge) => edge.node);
      this.pageInfo = new PageInfoOfEdges(page.hasNextPage, page.hasPreviousPage, page.edges);
      this.countTotal = page.countTotal;
    }

    // A method, not a value: the COUNT runs only when the client selects the field.
    @Field(() => Int)
    totalCount(): Promise<number> {
      return this.countTotal();
    }
  }

  return ConnectionType;
}
