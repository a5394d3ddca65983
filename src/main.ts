import cluster from 'node:cluster';
import { loadConfig, ConfigError } from './config.js';
import { createLogger } from './logger.js';
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
const clustered = cluster.isWorker || config.webConcurrency > 1;
// The logger's base fields leave pid out; in a cluster, lines from the primary and each worker must be told apart.
const logger = clustered ? createLogger(config.logLevel).child({ pid: process.pid }) : createLogger(config.logLevel);

// Imported by role: the cluster primary serves no request, so it never loads the GraphQL server.
if (cluster.isWorker) {
  const { runWorker } = await import('./cluster/worker.js');
  await runWorker(config, logger);
} else if (config.webConcurrency > 1) {
  warnWhenNoTokenIsAccepted(config.auth, logger);
  const { runPrimary } = await import('./cluster/primary.js');
  await runPrimary(config, logger);
} else {
  warnWhenNoTokenIsAccepted(config.auth, logger);
  const { serveUntilSignalled } = await import('./cluster/serve.js');
  await serveUntilSignalled(config, logger, {
    announce: (server, ms) => {
      logger.info({ url: `${server.url}/graphql`, ms }, `Bestays API ready at ${server.url}/graphql`);
      if (server.metricsUrl) logger.info({ url: `${server.metricsUrl}/metrics` }, `metrics at ${server.metricsUrl}/metrics`);
    },
  });
}
