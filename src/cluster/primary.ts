import cluster, { type Worker } from 'node:cluster';
import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { createOrm, migrateUp } from '../db/orm.js';
import { startMetricsServer, type MetricsServer } from '../http/metrics.server.js';
import { ClusterMetrics } from './cluster-metrics.js';
import { handoffEnvironment, isWorkerReady, type WorkerHandoff } from './handoff.js';
import { CONNECTION_HEADROOM, CONNECTIONS_OUTSIDE_POOL, poolSizePerWorker, readConnectionLimits } from './pool-size.js';
import { SHUTDOWN_SIGNALS } from './signals.js';
import { RestartPolicy } from './worker-lifecycle.js';

/** After the grace period, how long a draining worker may still take (closing its pool and sockets) before it is killed. */
const FORCE_KILL_MARGIN_MS = 5_000;

interface WorkerState {
  worker: Worker;
  pid: number;
  forkedAt: number;
  ready: boolean;
}

interface WorkerGroupOptions {
  size: number;
  env: Record<string, string>;
  graceMs: number;
  logger: Logger;
  /** Once, when every worker of the first generation listens. */
  onReady(url: string): void;
  /** A worker of the first generation exited before the group was ready: the server cannot start. */
  onStartFailure(): void;
  /** A worker died while serving and a replacement is on its way. */
  onRestart(): void;
}

/** The workers: forked, replaced when one dies while serving, stopped together. */
class WorkerGroup {
  private readonly states = new Map<number, WorkerState>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private readonly policy = new RestartPolicy();
  private readyOnce = false;
  private stopping: Promise<number> | undefined;
  private exitCode = 0;
  private allExited: (() => void) | undefined;

  constructor(private readonly options: WorkerGroupOptions) {}

  start(): void {
    // A signal may have stopped the group before it was started.
    if (this.stopping) return;
    for (let i = 0; i < this.options.size; i++) this.fork();
  }

  /** The workers that listen now. */
  running(): Worker[] {
    return [...this.states.values()].filter((state) => state.ready && state.worker.isConnected()).map((state) => state.worker);
  }

  /**
   * Every worker drains (SIGTERM: the same path as a signal to the process group, which they may
   * have received already) and none is replaced; resolves with the exit code once all have exited.
   */
  stop(signal: NodeJS.Signals | 'start failure'): Promise<number> {
    if (this.stopping) {
      this.options.logger.info({ signal }, 'already shutting down');
      return this.stopping;
    }
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    this.options.logger.info(
      { signal, graceMs: this.options.graceMs, workers: [...this.states.values()].map((state) => state.pid) },
      'shutting down: draining every worker',
    );
    return (this.stopping = new Promise<number>((resolve) => {
      const force = setTimeout(() => {
        for (const state of this.states.values()) {
          this.options.logger.error({ workerPid: state.pid }, 'worker still running after the grace period: killing it');
          this.exitCode = 1;
          state.worker.process.kill('SIGKILL');
        }
      }, this.options.graceMs + FORCE_KILL_MARGIN_MS);
      this.allExited = () => {
        clearTimeout(force);
        resolve(this.exitCode);
      };
      for (const state of this.states.values()) state.worker.process.kill('SIGTERM');
      if (this.states.size === 0) this.allExited();
    }));
  }

  private fork(): void {
    const worker = cluster.fork(this.options.env);
    const state: WorkerState = { worker, pid: worker.process.pid ?? -1, forkedAt: Date.now(), ready: false };
    this.states.set(worker.id, state);
    worker.on('message', (message: unknown) => {
      if (isWorkerReady(message)) this.ready(state, message.url);
    });
    worker.on('exit', (code: number | null, signal: NodeJS.Signals | null) => this.exited(state, code, signal));
  }

  private ready(state: WorkerState, url: string): void {
    state.ready = true;
    if (this.readyOnce) {
      this.options.logger.info({ workerPid: state.pid }, 'replacement worker ready');
      return;
    }
    if (this.states.size === this.options.size && [...this.states.values()].every((each) => each.ready)) {
      this.readyOnce = true;
      this.options.onReady(url);
    }
  }

  private exited(state: WorkerState, code: number | null, signal: NodeJS.Signals | null): void {
    this.states.delete(state.worker.id);
    const { logger } = this.options;
    if (this.stopping) {
      // Killed by the signal itself (before its handlers were installed) counts as stopped; a failed drain does not.
      if (code !== null && code !== 0) this.exitCode = 1;
      logger.info({ workerPid: state.pid, code, signal }, 'worker exited');
      if (this.states.size === 0) this.allExited?.();
      return;
    }
    if (!this.readyOnce) {
      logger.fatal({ workerPid: state.pid, code, signal }, 'a worker exited before the server was ready');
      this.exitCode = 1;
      this.options.onStartFailure();
      return;
    }
    const livedMs = Date.now() - state.forkedAt;
    const restartInMs = this.policy.delayAfter(livedMs);
    logger.error({ workerPid: state.pid, code, signal, livedMs, restartInMs }, 'worker died: forking a replacement');
    this.options.onRestart();
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (!this.stopping) this.fork();
    }, restartInMs);
    this.restartTimers.add(timer);
  }
}

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
  return { databaseUrl: database.url, poolSize: pool.size, migrated: true };
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
