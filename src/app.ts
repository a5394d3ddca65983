import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Registry } from 'prom-client';
import type { AppConfig } from './config.js';
import type { Orm } from './db/orm.js';
import type { Logger } from './logger.js';
import { createTokenVerifier } from './auth/token.js';
import { cachingVerifier } from './auth/token-cache.js';
import { ViewerCache } from './auth/viewer-cache.js';
import { Viewers } from './auth/viewers.js';
import type { DatabaseNotifications } from './db/notifications.js';
import { SqlReader } from './db/sql-reader.js';
import type { ReplicaSet } from './db/replicas.js';
import { buildExecutableSchema } from './graphql/schema.js';
import { graphqlRoute } from './graphql/graphql.route.js';
import { healthRoutes } from './http/health.route.js';
import { requestId } from './http/request-id.js';
import { requestLog } from './http/request-log.js';
import { httpErrorHandler } from './http/error-handler.js';
import { notFound } from './http/not-found.js';
import { createMetrics, registerFeedMetrics } from './http/metrics.js';
import { metricsRoute } from './http/metrics.route.js';
import { registerReplicaMetrics } from './http/replica-metrics.js';
import { auditExportRoute } from './http/audit-export.route.js';
import { corsMiddleware } from './http/cors.js';
import { explorerRoute } from './http/explorer.route.js';
import { documentLimits } from './graphql/limits.js';
import { AuditFeed } from './audit-log/audit-feed.js';
import { AuditLogReader } from './audit-log/audit-log.reader.js';
import { startSubscriptionServer, type SubscriptionServer } from './http/subscriptions.server.js';

export interface AppDependencies {
  orm: Orm;
  config: AppConfig;
  logger: Logger;
  /** The process's listening connection; without one, viewers are read from the database on every request. */
  notifications?: DatabaseNotifications;
  /** Streaming replicas that serve queries, already started. */
  replicas?: ReplicaSet;
}

export interface App {
  express: Express;
  /** What the HTTP server runs: the GraphQL fast path where it applies, else the express app. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** The server's metrics, for a `/metrics` served on its own port (config.metrics). */
  metricsRegistry: Registry;
  /** Stops Apollo; the caller closes the HTTP server, the ORM and the database. */
  stop(): Promise<void>;
  /** Serves subscriptions on the HTTP server's own port; needs the process's listening connection. */
  serveSubscriptions(httpServer: Server): SubscriptionServer;
}

/** Wires everything in one place: tests build the same server with it. */
export async function createApp({ orm, config, logger, notifications, replicas }: AppDependencies): Promise<App> {
  const app = express();
  app.disable('x-powered-by');
  // GraphQL answers are never revalidated: hashing every body for an ETag is wasted work.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  app.use(requestId);
  app.use(requestLog(logger));
  app.use(corsMiddleware(config.corsOrigins));
  const metrics = createMetrics(orm);
  if (replicas) registerReplicaMetrics(metrics.registry, replicas);
  // One verifier, so the GraphQL endpoint and the export share one cache of the remote key set.
  const verifyToken = cachingVerifier(createTokenVerifier(config.auth));
  const sql = new SqlReader(await orm.em.getConnection().getNativeClient());
  const viewers = new Viewers(orm, sql, notifications ? new ViewerCache(notifications) : undefined);
  const schema = await buildExecutableSchema();
  const reader = new AuditLogReader(sql);
  const feed = notifications ? new AuditFeed(notifications, (ids) => reader.byIds(ids), logger) : undefined;
  let subscriptions: SubscriptionServer | undefined;
  const feedMetrics = registerFeedMetrics(metrics.registry, {
    openSockets: () => subscriptions?.openSockets ?? 0,
    activeSubscriptions: () => feed?.subscriberCount ?? 0,
  });
  const { router, apollo, fastPath } = await graphqlRoute({
    orm,
    sql,
    querySql: replicas?.readerFallingBackTo(sql),
    viewers,
    schema,
    verifyToken,
    logger,
    introspection: config.introspection,
    trustProxy: config.trustProxy,
    // Apollo's own landing page loads its Sandbox from a CDN; the explorer below works offline.
    plugins: [metrics.graphqlPlugin, ApolloServerPluginLandingPageDisabled()],
    recordAnswer: metrics.recordAnswer,
  });
  if (config.explorer) app.use(await explorerRoute());
  // The GraphQL endpoint first: nearly every request is for it, and the routers below need not see it.
  app.use(router);
  app.use(healthRoutes(orm, replicas));
  if (config.metrics.on === 'api-port') app.use(metricsRoute(metrics.registry));
  app.use(auditExportRoute({ orm, verifyToken, logger }));
  app.use(notFound);
  app.use(httpErrorHandler(logger));
  return {
    express: app,
    handler: (req, res) => {
      if (!fastPath(req, res)) app(req, res);
    },
    metricsRegistry: metrics.registry,
    stop: () => apollo.stop(),
    serveSubscriptions: (httpServer) => {
      if (!feed) throw new Error('subscriptions need the listening connection');
      const limits = documentLimits({ introspection: config.introspection });
      return (subscriptions = startSubscriptionServer({
        httpServer,
        schema,
        feed,
        metrics: feedMetrics,
        orm,
        sql,
        viewers,
        verifyToken,
        logger,
        trustProxy: config.trustProxy,
        validationRules: limits.validationRules,
        maxTokens: limits.parseOptions.maxTokens,
        maxSubscriptions: config.subscriptionsMax,
      }));
    },
  };
}
