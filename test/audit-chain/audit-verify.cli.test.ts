import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Role } from '../../src/users/role.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn } from '../support/users.js';
import { createPropertyAs } from '../support/properties.js';
import { createDatabase, dropDatabase, uniqueDatabaseName, withClient } from '../support/databases.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The command as an auditor runs it, in its own process (not a terminal: no progress line). */
async function auditVerify(databaseUrl: string, ...args: string[]): Promise<CommandResult> {
  return await new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'src/audit-log/audit-verify.cli.ts', ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('npm run audit:verify', () => {
  let server: TestServer;
  let propertyIds: string[];
  beforeAll(async () => {
    server = await startTestServer();
    const agent = await signIn(server, Role.AGENT);
    propertyIds = [];
    for (const title of ['One', 'Two', 'Three']) propertyIds.push((await createPropertyAs(server, agent, { title })).id);
  });
  afterAll(async () => {
    await server.close();
  });

  it('checks every chain, says so and exits 0 while all hold', async () => {
    const result = await auditVerify(server.databaseUrl);
    expect(result.code).toBe(0);
    const [{ chains, entries }] = (await server.sql(
      `select count(distinct (entity_type, entity_id))::int as chains, count(*)::int as entries from audit_log`,
    )) as [{ chains: number; entries: number }];
    expect(result.stdout).toContain(`${chains} chain(s), ${entries} entries`);
    expect(result.stdout).toContain('all chains hold');
    expect(result.stderr).not.toContain('entries, ');
  });

  it('names each broken link (entity, seq, what differs) and exits 1', async () => {
    const [tampered, alsoTampered] = propertyIds as [string, string];
    await withClient(server.databaseUrl, async (client) => {
      await client.query('begin');
      await client.query('set local session_replication_role = replica');
      await client.query(`update audit_log set changes = '{}' where entity_type = 'property' and entity_id = $1 and seq = 1`, [tampered]);
      await client.query(`update audit_log set action = 'delete' where entity_type = 'property' and entity_id = $1 and seq = 1`, [alsoTampered]);
      await client.query('commit');
    });
    const result = await auditVerify(server.databaseUrl);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`broken: property ${tampered} seq 1: content`));
    expect(result.stdout).toMatch(new RegExp(`broken: property ${alsoTampered} seq 1: content`));
    expect(result.stderr).toContain('2 chain(s) broken');

    const intact = await auditVerify(server.databaseUrl, '--entity-type', 'property', '--entity-id', propertyIds[2]!);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain('1 chain(s), 1 entries');
  });

  it('is a usage error for a malformed id or a lone flag', async () => {
    expect((await auditVerify(server.databaseUrl, '--entity-type', 'property', '--entity-id', 'nope')).code).toBe(2);
    expect((await auditVerify(server.databaseUrl, '--entity-type', 'property')).code).toBe(2);
  });

  it('says so and exits non-zero on a database without the audit schema', async () => {
    const maintenanceUrl = inject('maintenanceUrl');
    const name = uniqueDatabaseName('bestays_unmigrated');
    const url = await createDatabase(maintenanceUrl, name);
    try {
      const result = await auditVerify(url);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('no audit chain');
      expect(result.stderr).toContain('npm run migrate');
    } finally {
      await dropDatabase(maintenanceUrl, name);
    }
  });
});
