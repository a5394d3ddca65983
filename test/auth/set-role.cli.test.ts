import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { createDatabase, dropDatabase, uniqueDatabaseName, withClient } from '../support/databases.js';
import { Role } from '../../src/users/role.js';
import { signToken } from '../support/tokens.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The command as an operator runs it, in its own process, against `databaseUrl`. */
async function setRole(databaseUrl: string, ...args: string[]): Promise<CommandResult> {
  return await new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'src/users/set-role.cli.ts', ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('npm run users:set-role', () => {
  let server: TestServer;
  let systemUserId: number;
  beforeAll(async () => {
    server = await startTestServer();
    const [system] = await server.sql(`select id from users where clerk_user_id = 'system_00000000000000000000'`);
    systemUserId = system!.id as number;
  });
  afterAll(async () => {
    await server.close();
  });

  const roleOf = async (user: SignedInUser) =>
    (await server.sql('select role from users where id = $1', [Number(user.id)]))[0]!.role as string;
  const roleAudits = (user: SignedInUser) =>
    server.sql(
      `select action, performed_by, changes, ip_address from audit_log
        where entity_type = 'user' and entity_id = $1 and action = 'update' order by performed_at`,
      [user.id],
    );

  it('grants a role by email, prints the change and audits it as the system user', async () => {
    const user = await signIn(server);
    const result = await setRole(server.databaseUrl, user.email, 'admin');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`user ${user.id}`);
    expect(result.stdout).toContain('user -> admin');
    expect(await roleOf(user)).toBe('admin');
    expect(await roleAudits(user)).toEqual([
      { action: 'update', performed_by: systemUserId, changes: { role: { old: 'USER', new: 'ADMIN' } }, ip_address: null },
    ]);
  });

  it('finds the user by email in any case, with _ and % taken literally', async () => {
    const token = await signToken('mixed_case_person', { email: 'Mixed_Case.Person@Example.com' });
    const me = await server.gql<{ me: { id: string } }>('{ me { id } }', { token });
    const user = { id: me.data!.me.id } as SignedInUser;
    expect((await setRole(server.databaseUrl, 'mixed%case.person@example.com', 'agent')).code).toBe(1);
    const result = await setRole(server.databaseUrl, 'MIXED_CASE.PERSON@EXAMPLE.COM', 'agent');
    expect(result.code).toBe(0);
    expect(await roleOf(user)).toBe('agent');
  });

  it('grants a role by Clerk user id', async () => {
    const user = await signIn(server);
    const result = await setRole(server.databaseUrl, user.clerkUserId, 'agent');
    expect(result.code).toBe(0);
    expect(await roleOf(user)).toBe('agent');
  });

  it('is seen by the running server on the next request', async () => {
    const user = await signIn(server);
    expect((await setRole(server.databaseUrl, user.email, 'AGENT')).code).toBe(0);
    const response = await server.gql('{ me { role } }', { token: user.token });
    expect(response.data?.me).toEqual({ role: 'AGENT' });
  });

  it('changes nothing and writes no audit entry when the user already has the role', async () => {
    const user = await signIn(server, Role.AGENT);
    const auditsBefore = (await roleAudits(user)).length;
    const result = await setRole(server.databaseUrl, user.email, 'agent');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nothing changed');
    expect(await roleAudits(user)).toHaveLength(auditsBefore);
  });

  it('exits non-zero naming the identifier when no user matches', async () => {
    const result = await setRole(server.databaseUrl, 'nobody@example.com', 'admin');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('no user has the email or Clerk user id "nobody@example.com"');
  });

  it('exits non-zero listing the roles for an unknown role, and changes nothing', async () => {
    const user = await signIn(server);
    const result = await setRole(server.databaseUrl, user.email, 'superuser');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('unknown role "superuser": expected one of user, agent, admin');
    expect(await roleOf(user)).toBe('user');
  });

  it('exits non-zero with the usage when an argument is missing', async () => {
    const result = await setRole(server.databaseUrl, 'someone@example.com');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('usage: npm run users:set-role -- <email or clerk user id> <user|agent|admin>');
  });

  it('prints the usage and exits 0 with --help, touching no database', async () => {
    const result = await setRole('postgres://nobody@127.0.0.1:1/none', '--help');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('usage: npm run users:set-role -- <email or clerk user id> <user|agent|admin>');
    expect(result.stdout).toContain('audited as performed by the system user');
  });

  it('refuses to change the role of the system user', async () => {
    const result = await setRole(server.databaseUrl, 'system_00000000000000000000', 'user');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('system user');
    const [system] = await server.sql('select role from users where id = $1', [systemUserId]);
    expect(system!.role).toBe('admin');
  });
});

describe('npm run users:set-role on a database that is not migrated', () => {
  const maintenanceUrl = inject('maintenanceUrl');
  const name = uniqueDatabaseName('bestays_unmigrated');
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await createDatabase(maintenanceUrl, name);
  });
  afterAll(async () => {
    await dropDatabase(maintenanceUrl, name);
  });

  it('exits non-zero saying the database needs migrating, and creates nothing', async () => {
    const result = await setRole(databaseUrl, 'someone@example.com', 'admin');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('the database is not migrated');
    expect(result.stderr).toContain('npm run migrate');
    const tables = await withClient(databaseUrl, async (client) => (await client.query(`select tablename from pg_tables where schemaname = 'public'`)).rows);
    expect(tables).toEqual([]);
  });
});
