import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { GraphQLSchema } from 'graphql';
import type { Orm } from '../db/orm.js';
import type { SqlRows } from '../db/sql-reader.js';
import type { Logger } from '../logger.js';
import type { TokenVerifier } from '../auth/token.js';
import type { Viewers } from '../auth/viewers.js';
import { invalidToken } from '../auth/auth.errors.js';
import { bearerToken } from '../auth/bearer.js';
import { runAsActor } from '../audit-log/actor.js';
import { DomainError } from '../shared/domain-error.js';
import type { User } from '../users/user.entity.js';
import { requestOrigin } from '../http/request-origin.js';
import { graphqlFastPath, type Caller } from '../http/graphql-fast-path.js';
import type { RecordAnswer } from '../http/prepared-answer.js';
import type { RequestOrigin } from '../auth/identity.js';
import { createContext, type GraphQLContext } from './context.js';
import { contractCodeOf, errorLogPlugin, formatError } from './errors.js';
import { documentLimits } from './limits.js';
import { refuseNulCharacters } from './nul-characters.js';
import { compiledExecution } from './jit-executor.js';
import { PreparedQueries } from './prepared-queries.js';

export interface GraphQLRouteOptions {
  orm: Orm;
  /** The primary's reader: mutations, their answers and everything that decides access. */
  sql: SqlRows;
  /** Where queries read: the replicas' router when there are replicas. */
  querySql?: SqlRows;
  viewers: Viewers;
  schema: GraphQLSchema;
  verifyToken: TokenVerifier;
  logger: Logger;
  introspection: boolean;
  trustProxy: boolean;
  plugins?: ApolloServerPlugin<GraphQLContext>[];
  /** Counts a request the fast path answers without Apollo. */
  recordAnswer: RecordAnswer;
}

const BODY_LIMIT_BYTES = 1024 * 1024;

function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

export interface GraphQLRoute {
  router: Router;
  apollo: ApolloServer<GraphQLContext>;
  /** Serves the plain JSON POSTs without express; false where the router must. */
  fastPath: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export async function graphqlRoute(options: GraphQLRouteOptions): Promise<GraphQLRoute> {
  const { orm, sql, querySql, viewers, schema, verifyToken, logger } = options;
  const limits = documentLimits({ introspection: options.introspection });
  const preparedQueries = new PreparedQueries();
  const apollo = new ApolloServer<GraphQLContext>({
    gateway: compiledExecution(schema, preparedQueries),
    introspection: options.introspection,
    includeStacktraceInErrorResponses: false,
    formatError,
    allowBatchedHttpRequests: false,
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    // Shutdown is ordered by main.ts: drain HTTP, then stop Apollo, the pool and the database.
    stopOnTerminationSignals: false,
    plugins: [
      // The schema declares no cache hints; the default plugin would only wrap every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      // The armor plugins never read the context, so they serve any context type.
      ...(limits.plugins as ApolloServerPlugin<GraphQLContext>[]),
      ...(options.plugins ?? []),
      errorLogPlugin(logger),
      refuseNulCharacters as ApolloServerPlugin<GraphQLContext>,
      {
        async requestDidStart() {
          return {
            async didResolveOperation({ operationName, operation, contextValue }) {
              contextValue.operationName = operationName ?? undefined;
              contextValue.isQuery = operation?.operation === 'query';
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  /** Verifies the token and finds the viewer: the caller, or the HTTP answer that refuses it. */
  async function identifyCaller(authorization: string | undefined, origin: RequestOrigin, requestId: string): Promise<Caller> {
    const token = bearerToken(authorization);
    try {
      if (token === null) throw invalidToken('the Authorization header must be "Bearer <token>"');
      return { viewer: token === undefined ? null : await viewers.viewerFor(await verifyToken(token), origin) };
    } catch (error) {
      if (error instanceof DomainError) return { refusal: { status: 401, code: contractCodeOf(error.code), message: error.message } };
      logger.error({ err: error, requestId }, 'identity lookup failed');
      return { refusal: { status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } };
    }
  }

  const contextFor = (viewer: User | null, requestId: string): GraphQLContext =>
    createContext({ sql, querySql, viewer, requestId, logger }, () => orm.em.fork());

  /** Identifies the caller before Apollo runs, so that the actor is in scope for the whole request. */
  async function identify(req: Request, res: Response, next: NextFunction): Promise<void> {
    const origin = requestOrigin(req);
    const caller = await identifyCaller(req.get('authorization'), origin, String(res.locals.requestId));
    if ('refusal' in caller) {
      sendError(res, caller.refusal.status, caller.refusal.code, caller.refusal.message);
      return;
    }
    res.locals.viewer = caller.viewer;
    if (!caller.viewer) {
      next();
      return;
    }
    runAsActor({ performerId: caller.viewer.id, ...origin }, next);
  }

  const router = Router();
  router.use(
    '/graphql',
    express.json({ limit: BODY_LIMIT_BYTES }),
    identify,
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const context = contextFor(res.locals.viewer as User | null, String(res.locals.requestId));
        res.locals.graphqlContext = context;
        return context;
      },
    }),
  );
  const fastPath = graphqlFastPath({
    apollo,
    identifyCaller,
    contextFor,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    trustProxy: options.trustProxy,
    logger,
    preparedQueries,
    recordAnswer: options.recordAnswer,
  });
  return { router, apollo, fastPath };
}
