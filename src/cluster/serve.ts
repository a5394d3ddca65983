import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { startServer, type RunningServer, type StartOptions } from '../server.js';
import { SHUTDOWN_SIGNALS } from './signals.js';

export interface ServeOptions extends StartOptions {
  /** Says the server is up (the single process logs the ready line; a worker tells its primary). */
  announce(server: RunningServer, startedMs: number): void;
}

/**
 * One server process: starts, then on SIGTERM, SIGINT or SIGHUP (more than once, or to the whole
 * process group) drains and exits 0. The whole life of `npm start` with one process, and of each
 * cluster worker.
 */
export async function serveUntilSignalled(config: AppConfig, logger: Logger, options: ServeOptions): Promise<void> {
  const started = Date.now();
  const { announce, ...startOptions } = options;
  const server = await startServer(config, logger, startOptions).catch((error: unknown) => {
    logger.fatal({ err: error }, 'the server could not start');
    process.exit(1);
  });
  announce(server, Date.now() - started);

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      logger.info({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: draining requests');
    try {
      await server.close();
      logger.info('shutdown complete');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => void shutdown(signal));
}
