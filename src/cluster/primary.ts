import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { createOrm, migrateUp } from '../db/orm.js';
import { startMetricsServer, type MetricsServer } from '../http/metrics.server.js';
import { ClusterMetrics } from './cluster-metrics.js';
import { handoffEnvironment, type WorkerHandoff } from './handoff.js';
import { CONNECTION_HEADROOM, CONNECTIONS_OUTSIDE_POOL, poolSizePerWorker, readConnectionLimits } from './pool-size.js';
import { SHUTDOWN_SIGNALS } from './signals.js';
import { WorkerGroup } from './worker-lifecycle.js';

/** Migrations once for the whole group, then the pool size that lets every worker's pool fit the server. */
async function prepareDatabase(database: DatabaseHandle, config: AppConfig, logger: Logger): Promise<WorkerHandoff> {
  const orm = await createOrm({ clientUrl: database.url, statementTimeoutMs: config.statementTimeoutMs, poolMax: 1 });
  try {
    const applied = await migrateUp(orm);
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
  } finally {
    await orm.close();
  }
  const limits = await readConnectionLimits(database.url);
  // With replicas, each process also keeps one connection to the primary for measuring their lag.
  const outsidePool = CONNECTIONS_OUTSIDE_POOL + (config.databaseReplicaUrls.length > 0 ? 1 : 0);
  const pool = poolSizePerWorker({ ...limits, workers: config.webConcurrency, wanted: config.dbPoolSize, outsidePool });
  const sizing = {
    workers: config.webConcurrency,
    poolSize: pool.size,
    wanted: config.dbPoolSize,
    maxConnections: limits.maxConnections,
    reserved: limits.reserved,
    headroom: CONNECTION_HEADROOM,
    perWorkerOutsidePool: outsidePool,
  };
  if (pool.fits) logger.info(sizing, `database pool: ${pool.size} connections per worker`);
  else {
    logger.warn(
      sizing,
      `database pool: ${pool.size} connections per worker, but ${config.webConcurrency} workers may then exceed max_connections; ` +
        'lower WEB_CONCURRENCY or raise max_connections',
    );
  }
  return { databaseUrl: database.url, poolSize: pool.size };
}

/**
 * The cluster primary (WEB_CONCURRENCY > 1): opens the database once (the embedded server too),
 * migrates once, forks the workers on one port, replaces a worker that dies, serves the group's
 * aggregated `/metrics` on METRICS_PORT, and on a signal drains every worker, stops the database
 * and exits. It serves no API request itself.
 */
export async function runPrimary(config: AppConfig, logger: Logger): Promise<void> {
  const started = Date.now();
  let group: WorkerGroup | undefined;
  let stopRequested: NodeJS.Signals | undefined;
  let finishing: Promise<void> | undefined;
  let database: DatabaseHandle | undefined;
  let metricsServer: MetricsServer | undefined;

  const finish = (signal: NodeJS.Signals | 'start failure'): Promise<void> =>
    (finishing ??= (async () => {
      let code = (await group?.stop(signal)) ?? 0;
      if (signal === 'start failure') code = 1;
      await metricsServer?.close().catch(() => undefined);
      try {
        await database?.stop();
      } catch (error) {
        logger.error({ err: error }, 'the embedded database did not stop');
        code = 1;
      }
      logger.info('shutdown complete');
      process.exit(code);
    })());

  // Installed first: a signal while the database opens or migrates must not leave an embedded server behind.
  for (const signal of SHUTDOWN_SIGNALS) {
    process.on(signal, () => {
      if (group) void (finishing ? group.stop(signal) : finish(signal));
      else if (stopRequested) logger.info({ signal }, 'already shutting down');
      else stopRequested = signal;
    });
  }

  try {
    database = await openDatabase(config, logger);
    const handoff = await prepareDatabase(database, config, logger);
    const metrics = new ClusterMetrics(config.webConcurrency, () => group?.running() ?? []);
    group = new WorkerGroup({
      size: config.webConcurrency,
      env: handoffEnvironment(handoff),
      graceMs: config.shutdownGraceMs,
      logger,
      onReady: (url) => {
        logger.info({ url: `${url}/graphql`, ms: Date.now() - started, workers: config.webConcurrency }, `Bestays API ready at ${url}/graphql`);
        if (metricsServer) logger.info({ url: `${metricsServer.url}/metrics` }, `metrics at ${metricsServer.url}/metrics`);
      },
      onStartFailure: () => void finish('start failure'),
      onRestart: () => metrics.workerRestarted(),
    });
    if (config.metrics.on === 'own-port') metricsServer = await startMetricsServer(metrics, config.metrics);
  } catch (error) {
    logger.fatal({ err: error }, 'the server could not start');
    await metricsServer?.close().catch(() => undefined);
    await database?.stop().catch(() => undefined);
    process.exit(1);
  }
  if (stopRequested) {
    // Stopped before any worker was forked: nothing to drain.
    await finish(stopRequested);
    return;
  }
  group.start();
}
