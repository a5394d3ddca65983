import type { EntityManager } from '@mikro-orm/postgresql';
import type { User } from '../users/user.entity.js';
import type { Logger } from '../logger.js';

/** What every resolver receives: the request's own EntityManager fork and the signed-in user. */
export interface GraphQLContext {
  em: EntityManager;
  viewer: User | null;
  requestId: string;
  logger: Logger;
  /** Set once Apollo knows it; the request log line carries it. */
  operationName?: string;
}
