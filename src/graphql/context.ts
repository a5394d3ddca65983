import type { EntityManager } from '@mikro-orm/postgresql';
import type { User } from '../users/user.entity.js';
import type { Logger } from '../logger.js';
import type { SqlRows } from '../db/sql-reader.js';
import type { LiveFeed } from '../audit-log/audit-feed.subscription.js';

/** Something a request makes at most once, on first use, and drops with the request (a DataLoader, say). */
export interface PerRequest<T> {
  make(context: GraphQLContext): T;
}

/** What every resolver receives: the readers' SQL, the request's own EntityManager fork for writes, and the signed-in user. */
export interface GraphQLContext {
  /** Forked on first use: a read served by the readers never needs one. */
  readonly em: EntityManager;
  /** Where this operation reads: the replicas for a query, the primary for everything else. */
  readonly sql: SqlRows;
  /** Set once the operation is known to be a query: only then may its reads go to a replica. */
  isQuery: boolean;
  viewer: User | null;
  requestId: string;
  logger: Logger;
  /** Set once Apollo knows it; the request log line carries it. */
  operationName?: string;
  /** Only on a WebSocket connection: what subscriptions follow. */
  live?: LiveFeed;
  /** This request's one instance of `what`, made on first use. */
  once<T>(what: PerRequest<T>): T;
}

export interface ContextFields {
  /** The primary's reader. */
  sql: SqlRows;
  /** The reader for queries: the replicas when there are any, else the primary's. */
  querySql?: SqlRows;
  viewer: User | null;
  requestId: string;
  logger: Logger;
  live?: LiveFeed;
}

/**
 * The context of one request. The EntityManager is a getter on the prototype, not an own
 * property: Apollo copies the context's own properties for each operation, which would otherwise
 * fork an EntityManager for every read.
 */
class RequestContext implements GraphQLContext {
  isQuery = false;
  viewer: User | null;
  requestId: string;
  logger: Logger;
  operationName?: string;
  live?: LiveFeed;
  private forked: EntityManager | undefined;
  /**
   * Held by the context itself, not by a module's WeakMap keyed by it: in V8 a WeakMap's entries
   * outlive young-generation collections, so every request's loaders, and the pages they held,
   * waited for a full collection (bench/README.md, "The tail").
   */
  private made: Map<PerRequest<unknown>, unknown> | undefined;
  private readonly primarySql: SqlRows;
  private readonly querySql: SqlRows;

  constructor(
    fields: ContextFields,
    private readonly fork: () => EntityManager,
  ) {
    this.primarySql = fields.sql;
    this.querySql = fields.querySql ?? fields.sql;
    this.viewer = fields.viewer;
    this.requestId = fields.requestId;
    this.logger = fields.logger;
    if (fields.live) this.live = fields.live;
  }

  get sql(): SqlRows {
    return this.isQuery ? this.querySql : this.primarySql;
  }

  get em(): EntityManager {
    return (this.forked ??= this.fork());
  }

  once<T>(what: PerRequest<T>): T {
    this.made ??= new Map();
    if (!this.made.has(what)) this.made.set(what, what.make(this));
    return this.made.get(what) as T;
  }
}

export function createContext(fields: ContextFields, fork: () => EntityManager): GraphQLContext {
  return new RequestContext(fields, fork);
}
