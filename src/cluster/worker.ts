import cluster from 'node:cluster';
import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { readHandoff, type WorkerReady } from './handoff.js';
import { serveUntilSignalled } from './serve.js';
import { workerMetricsLink } from './cluster-metrics.js';

/**
 * A cluster worker: the same server as a single process, on the database the primary opened and
 * migrated, with the pool size it computed. `/metrics` on its own port is the primary's alone.
 */
export async function runWorker(config: AppConfig, logger: Logger): Promise<void> {
  const handoff = readHandoff();
  const workerConfig: AppConfig = {
    ...config,
    databaseUrl: handoff.databaseUrl,
    dbPoolSize: handoff.poolSize,
    metrics: config.metrics.on === 'own-port' ? { on: 'nowhere' } : config.metrics,
  };
  // Listening for the primary's metrics requests from the start: a request before the server is up gets an empty report.
  const metrics = workerMetricsLink();
  await serveUntilSignalled(workerConfig, logger, {
    migrate: false,
    announce: (server, startedMs) => {
      metrics.serve(server.metricsRegistry);
      logger.info({ worker: cluster.worker?.id, url: server.url, ms: startedMs, poolSize: handoff.poolSize }, 'worker listening');
      const ready: WorkerReady = { kind: 'bestays:worker:ready', url: server.url };
      process.send?.(ready, undefined, undefined, () => undefined);
    },
  });
}
