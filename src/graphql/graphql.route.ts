import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { GraphQLSchema } from 'graphql';
import type { Orm } from '../db/orm.js';
import type { SqlReader } from '../db/sql-reader.js';
import type { Logger } from '../logger.js';
import type { TokenVerifier } from '../auth/token.js';
import type { Viewers } from '../auth/viewers.js';
import { invalidToken } from '../auth/auth.errors.js';
import { bearerToken } from '../auth/bearer.js';
import { runAsActor } from '../audit-log/actor.js';
import { DomainError } from '../shared/domain-error.js';
import type { User } from '../users/user.entity.js';
import { requestOrigin } from '../http/request-origin.js';
import { createContext, type GraphQLContext } from './context.js';
import { contractCodeOf, errorLogPlugin, formatError } from './errors.js';
import { documentLimits } from './limits.js';
import { refuseNulCharacters } from './nul-characters.js';
import { compiledExecution } from './jit-executor.js';

export interface GraphQLRouteOptions {
  orm: Orm;
  sql: SqlReader;
  viewers: Viewers;
  schema: GraphQLSchema;
  verifyToken: TokenVerifier;
  logger: Logger;
  introspection: boolean;
  plugins?: ApolloServerPlugin<GraphQLContext>[];
}

const BODY_LIMIT = '1mb';

function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

export async function graphqlRoute(options: GraphQLRouteOptions): Promise<{ router: Router; apollo: ApolloServer<GraphQLContext> }> {
  const { orm, sql, viewers, schema, verifyToken, logger } = options;
  const limits = documentLimits({ introspection: options.introspection });
  const apollo = new ApolloServer<GraphQLContext>({
    gateway: compiledExecution(schema),
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
            async didResolveOperation({ operationName, contextValue }) {
              contextValue.operationName = operationName ?? undefined;
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  /** Verifies the token and finds the viewer before Apollo runs, so that the actor is in scope for the whole request. */
  async function identify(req: Request, res: Response, next: NextFunction): Promise<void> {
    const token = bearerToken(req.get('authorization'));
    const origin = requestOrigin(req);
    let viewer: User | null = null;
    try {
      if (token === null) throw invalidToken('the Authorization header must be "Bearer <token>"');
      if (token !== undefined) viewer = await viewers.viewerFor(await verifyToken(token), origin);
    } catch (error) {
      if (error instanceof DomainError) {
        sendError(res, 401, contractCodeOf(error.code), error.message);
        return;
      }
      logger.error({ err: error, requestId: res.locals.requestId }, 'identity lookup failed');
      sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      return;
    }
    res.locals.viewer = viewer;
    if (!viewer) {
      next();
      return;
    }
    runAsActor({ performerId: viewer.id, ...origin }, next);
  }

  const router = Router();
  router.use(
    '/graphql',
    express.json({ limit: BODY_LIMIT }),
    identify,
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const context = createContext(
          { sql, viewer: res.locals.viewer as User | null, requestId: String(res.locals.requestId), logger },
          () => orm.em.fork(),
        );
        res.locals.graphqlContext = context;
        return context;
      },
    }),
  );
  return { router, apollo };
}
