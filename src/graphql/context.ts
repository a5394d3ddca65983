import type { EntityManager } from '@mikro-orm/postgresql';
import type { User } from '../users/user.entity.js';
import type { Logger } from '../logger.js';
import type { SqlReader } from '../db/sql-reader.js';
import type { LiveFeed } from '../audit-log/audit-feed.subscription.js';

/** What every resolver receives: the readers' SQL, the request's own EntityManager fork for writes, and the signed-in user. */
export interface GraphQLContext {
  /** Forked on first use: a read served by the readers never needs one. */
  readonly em: EntityManager;
  sql: SqlReader;
  viewer: User | null;
  requestId: string;
  logger: Logger;
  /** Set once Apollo knows it; the request log line carries it. */
  operationName?: string;
  /** Only on a WebSocket connection: what subscriptions follow. */
  live?: LiveFeed;
}

/**
 * The context of one request. The EntityManager is a getter on the prototype, not an own
 * property: Apollo copies the context's own properties for each operation, which would otherwise
 * fork an EntityManager for every read.
 */
class RequestContext implements GraphQLContext {
  sql: SqlReader;
  viewer: User | null;
  requestId: string;
  logger: Logger;
  operationName?: string;
  live?: LiveFeed;
  private forked: EntityManager | undefined;

  constructor(
    fields: Omit<GraphQLContext, 'em'>,
    private readonly fork: () => EntityManager,
  ) {
    this.sql = fields.sql;
    this.viewer = fields.viewer;
    this.requestId = fields.requestId;
    this.logger = fields.logger;
    if (fields.live) this.live = fields.live;
  }

  get em(): EntityManager {
    return (this.forked ??= this.fork());
  }
}

export function createContext(fields: Omit<GraphQLContext, 'em'>, fork: () => EntityManager): GraphQLContext {
  return new RequestContext(fields, fork);
}
