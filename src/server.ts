import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from './config.js';
import type { Logger } from './logger.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { createOrm, migrateUp, type Orm } from './db/orm.js';
import { createApp, type App } from './app.js';
import { DatabaseNotifications } from './db/notifications.js';
import { USER_CHANGES_CHANNEL } from './users/user.entity.js';
import { AUDIT_LOG_ADDED_CHANNEL } from './audit-log/audit-feed.channel.js';
import { startMetricsServer, type MetricsServer } from './http/metrics.server.js';
import { ReplicaSet } from './db/replicas.js';
import type { Registry } from 'prom-client';

export interface RunningServer {
  url: string;
  orm: Orm;
  httpServer: Server;
  /** This process's metrics (a cluster worker hands them to the primary, which aggregates them). */
  metricsRegistry: Registry;
  /** Where `/metrics` is served when METRICS_PORT gives it its own port. */
  metricsUrl?: string;
  /** Stops accepting, lets in-flight requests finish within the grace period, then closes everything. */
  close(): Promise<void>;
}

async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

async function drain(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  // Keep-alive sockets that finish a response while draining are closed as soon as they go idle.
  const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
  await closed;
  clearTimeout(timer);
  clearInterval(idleSweep);
}

/** Boot order: database → migrations → app → listen. */
export interface StartOptions {
  observeQuery?: (sql: string) => void;
  /** false: the caller applied the migrations already (a cluster worker: its primary did, once). Default true. */
  migrate?: boolean;
}

export async function startServer(config: AppConfig, logger: Logger, options: StartOptions = {}): Promise<RunningServer> {
  const database: DatabaseHandle = await openDatabase(config, logger);
  let orm: Orm | undefined;
  let app: App | undefined;
  let notifications: DatabaseNotifications | undefined;
  let metricsServer: MetricsServer | undefined;
  let replicas: ReplicaSet | undefined;
  try {
    orm = await createOrm({
      clientUrl: database.url,
      statementTimeoutMs: config.statementTimeoutMs,
      poolMax: config.dbPoolSize,
      observeQuery: options.observeQuery,
    });
    const applied = options.migrate === false ? [] : await migrateUp(orm);
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
    notifications = new DatabaseNotifications({ url: database.url, channels: [USER_CHANGES_CHANNEL, AUDIT_LOG_ADDED_CHANNEL], logger });
    await notifications.start();
    if (config.databaseReplicaUrls.length > 0) {
      replicas = new ReplicaSet({
        primaryUrl: database.url,
        urls: config.databaseReplicaUrls,
        maxLagMs: config.replicaMaxLagMs,
        // A replica's max_connections is at least its primary's (hot standby requires it): the same share fits.
        poolMax: config.dbPoolSize,
        types: (await orm.em.getConnection().getNativeClient()).options.types,
        statementTimeoutMs: config.statementTimeoutMs,
        observeQuery: options.observeQuery,
        logger,
      });
      await replicas.start();
      logger.info({ replicas: replicas.status() }, 'read replicas checked');
    }
    app = await createApp({ orm, config, logger, notifications, replicas });
    if (config.metrics.on === 'own-port') metricsServer = await startMetricsServer(app.metricsRegistry, config.metrics);
    const httpServer = createServer(app.handler);
    httpServer.keepAliveTimeout = 5_000;
    const subscriptions = app.serveSubscriptions(httpServer);
    const address = await listen(httpServer, config.port, config.host);
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    const readyOrm = orm;
    const readyApp = app;
    const readyNotifications = notifications;
    const readyMetricsServer = metricsServer;
    const readyReplicas = replicas;
    let closing: Promise<void> | undefined;
    return {
      url,
      orm: readyOrm,
      httpServer,
      metricsRegistry: readyApp.metricsRegistry,
      metricsUrl: readyMetricsServer?.url,
      close: () =>
        (closing ??= (async () => {
          // Sockets are closed alongside the drain: an upgraded socket is no longer the HTTP server's to wait for.
          await Promise.all([drain(httpServer, config.shutdownGraceMs), subscriptions.close(config.shutdownGraceMs)]);
          logger.debug('http server and sockets closed');
          await readyMetricsServer?.close();
          await readyApp.stop();
          logger.debug('graphql stopped');
          await readyNotifications.close();
          await readyReplicas?.close();
          await readyOrm.close();
          logger.debug('database pool closed');
          await database.stop();
          logger.debug('database stopped');
        })()),
    };
  } catch (error) {
    await metricsServer?.close().catch(() => undefined);
    await app?.stop().catch(() => undefined);
    await notifications?.close();
    await replicas?.close();
    await orm?.close().catch(() => undefined);
    await database.stop().catch(() => undefined);
    throw error;
  }
}
