import { randomBytes } from 'node:crypto';
import { createOrm, migrateUp } from '../../src/db/orm.js';
import { withClient } from '../../src/db/pg-client.js';

export { withClient };

export function databaseUrl(maintenanceUrl: string, database: string): string {
  const url = new URL(maintenanceUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}


export async function createDatabase(maintenanceUrl: string, name: string, template?: string): Promise<string> {
  await withClient(maintenanceUrl, async (client) => {
    const from = template ? ` template ${client.escapeIdentifier(template)}` : '';
    await client.query(`create database ${client.escapeIdentifier(name)}${from}`);
  });
  return databaseUrl(maintenanceUrl, name);
}

export async function dropDatabase(maintenanceUrl: string, name: string): Promise<void> {
  await withClient(maintenanceUrl, (client) =>
    client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`),
  );
}

/** Migrated once per run; each test file copies it (CREATE DATABASE … TEMPLATE takes milliseconds). */
export async function createMigratedTemplate(maintenanceUrl: string): Promise<string> {
  const name = uniqueDatabaseName('bestays_template');
  const url = await createDatabase(maintenanceUrl, name);
  const orm = await createOrm({ clientUrl: url });
  try {
    await migrateUp(orm);
  } finally {
    await orm.close();
  }
  return name;
}
