import { loadConfig, ConfigError } from './config.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';
import { warnWhenNoTokenIsAccepted } from './auth/token-acceptance.js';

const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
})();
const logger = createLogger(config.logLevel);
warnWhenNoTokenIsAccepted(config.auth, logger);

const started = Date.now();
const server = await startServer(config, logger).catch((error: unknown) => {
  logger.fatal({ err: error }, 'the server could not start');
  process.exit(1);
});
logger.info({ url: `${server.url}/graphql`, ms: Date.now() - started }, `Bestays API ready at ${server.url}/graphql`);
if (server.metricsUrl) logger.info({ url: `${server.metricsUrl}/metrics` }, `metrics at ${server.metricsUrl}/metrics`);

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
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
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => void shutdown(signal));
}
