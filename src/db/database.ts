import { withClient } from './pg-client.js';
import type { Logger } from '../logger.js';
import { EmbeddedPostgres } from './embedded-postgres.js';

export const EMBEDDED_DATABASE_NAME = 'bestays';

export interface DatabaseHandle {
  url: string;
  /** Stops the embedded server, where there is one. */
  stop(): Promise<void>;
}

/** The configured database, or an embedded PostgreSQL keeping its data in `dataDir`. */
export async function openDatabase(
  options: { databaseUrl?: string; dataDir: string },
  logger: Logger,
): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    return { url: options.databaseUrl, stop: async () => undefined };
  }
  const server = new EmbeddedPostgres({
    dataDir: options.dataDir,
    onLog: (line) => logger.debug({ postgres: line }, 'embedded postgres'),
  });
  const started = Date.now();
  await server.start();
  try {
    await ensureDatabase(server.url(), EMBEDDED_DATABASE_NAME);
  } catch (error) {
    await server.stop();
    throw error;
  }
  if (server.sharesAnotherProcessServer) {
    logger.info(
      { dataDir: options.dataDir, port: server.port },
      'sharing the embedded PostgreSQL that another running process started on this data folder; it keeps running after this server stops',
    );
  } else {
    logger.info({ dataDir: options.dataDir, port: server.port, ms: Date.now() - started }, 'embedded PostgreSQL started');
  }
  return { url: server.url(EMBEDDED_DATABASE_NAME), stop: () => server.stop() };
}

export async function ensureDatabase(maintenanceUrl: string, name: string): Promise<void> {
  await withClient(maintenanceUrl, async (client) => {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(name)}`);
  });
}
