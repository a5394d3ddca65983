import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { EmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { createMigratedTemplate, dropDatabase } from './databases.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A maintenance URL on a server where tests may create and drop databases. */
    maintenanceUrl: string;
    /** A database with every migration applied, to copy for each test file. */
    templateDatabase: string;
  }
}

/** One PostgreSQL for the whole run: DATABASE_URL's server, or an embedded cluster made for the run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const configured = process.env.DATABASE_URL;
  let server: EmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  let maintenanceUrl = configured;
  if (!maintenanceUrl) {
    dataDir = await mkdtemp(join(tmpdir(), 'bestays-test-pg-'));
    server = new EmbeddedPostgres({ dataDir, unsafeFast: true });
    await server.start();
    maintenanceUrl = server.url();
  }
  const template = await createMigratedTemplate(maintenanceUrl);
  project.provide('maintenanceUrl', maintenanceUrl);
  project.provide('templateDatabase', template);
  return async () => {
    await dropDatabase(maintenanceUrl, template);
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}
