import type { EntityManager } from '@mikro-orm/postgresql';
import type { User } from '../users/user.entity.js';
import type { Logger } from '../logger.js';
import type { SqlReader } from '../db/sql-reader.js';

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
}

/** A context whose EntityManager is forked only if a resolver asks for it. */
export function createContext(fields: Omit<GraphQLContext, 'em'>, fork: () => EntityManager): GraphQLContext {
  let em: EntityManager | undefined;
  return {
    ...fields,
    get em() {
      return (em ??= fork());
    },
  };
}
