import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { signToken } from '../support/tokens.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run seed:dev` as a developer runs it, in its own process, against `databaseUrl`. */
async function seedDev(databaseUrl: string, env: Record<string, string> = {}): Promise<CommandResult> {
  return await new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '-s', 'seed:dev'],
      { cwd: PROJECT_ROOT, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const SEED_ROLES = {
  seed_user_uma: 'user',
  seed_user_ben: 'user',
  seed_agent_alice: 'agent',
  seed_agent_carlos: 'agent',
  seed_admin_dana: 'admin',
  seed_admin_eli: 'admin',
};

describe('npm run seed:dev', () => {
  let server: TestServer;
  let first: CommandResult;
  let systemUserId: number;
  beforeAll(async () => {
    server = await startTestServer();
    const [system] = await server.sql(`select id from users where clerk_user_id = 'system_00000000000000000000'`);
    systemUserId = system!.id as number;
    first = await seedDev(server.databaseUrl);
  }, 90_000);
  afterAll(async () => {
    await server.close();
  });

  const seedUsers = () =>
    server.sql<{ id: number; clerk_user_id: string; role: string; email: string }>(
      `select id, clerk_user_id, role, email from users where clerk_user_id like 'seed\\_%' order by id`,
    );
  const historyOf = async (title: string) =>
    (
      await server.sql<{ action: string; performed_by: number }>(
        `select action, performed_by from audit_log
          where entity_type = 'property' and entity_id = (select id::text from properties where title = $1)
          order by performed_at, id`,
        [title],
      )
    ).map((entry) => entry.action);
  const counts = async () =>
    (
      await server.sql(
        `select (select count(*) from users)::int as users, (select count(*) from properties)::int as properties,
                (select count(*) from audit_log)::int as audit_entries`,
      )
    )[0];

  it('exits 0 and prints each user with a token command for it', () => {
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('wrote 6 users and their listings (4 published, 3 drafts)');
    for (const clerkUserId of Object.keys(SEED_ROLES)) {
      expect(first.stdout).toMatch(new RegExp(`npm run -s token -- --sub ${clerkUserId} --email \\S+@seed\\.bestays\\.test`));
    }
  });

  it('creates two users of each role, each created and (above USER) promoted with an audit entry by the system user', async () => {
    const users = await seedUsers();
    expect(Object.fromEntries(users.map((user) => [user.clerk_user_id, user.role]))).toEqual(SEED_ROLES);
    for (const user of users) {
      const entries = await server.sql(
        `select action, performed_by, changes from audit_log where entity_type = 'user' and entity_id = $1 order by performed_at, id`,
        [String(user.id)],
      );
      const expected = [{ action: 'create', performed_by: systemUserId, changes: expect.objectContaining({ email: { old: null, new: user.email } }) }];
      if (user.role !== 'user') {
        expected.push({ action: 'update', performed_by: systemUserId, changes: { role: { old: 'USER', new: user.role.toUpperCase() } } });
      }
      expect(entries).toEqual(expected);
    }
  });

  it("creates the agents' listings, published and drafts", async () => {
    const listings = await server.sql<{ title: string; is_published: boolean; owner: string }>(
      `select p.title, p.is_published, u.clerk_user_id as owner from properties p join users u on u.id = p.created_by order by p.title`,
    );
    expect(listings.filter((listing) => listing.is_published)).toHaveLength(4);
    expect(listings.filter((listing) => !listing.is_published)).toHaveLength(3);
    expect(new Set(listings.map((listing) => listing.owner))).toEqual(new Set(['seed_agent_alice', 'seed_agent_carlos']));
  });

  it('gives the listings a history of creates, updates, publishes, an unpublish and a delete, all audited', async () => {
    expect(await historyOf('Sea view flat in Lisbon')).toEqual(['create', 'update', 'publish']);
    expect(await historyOf('Studio by the station')).toEqual(['create', 'publish', 'unpublish', 'update']);
    expect(await historyOf('Riverside apartment')).toEqual(['create']);
    const deleted = await server.sql(
      `select action from audit_log where entity_type = 'property' and changes -> 'title' ->> 'old' = 'Old warehouse conversion'
        and action = 'delete'`,
    );
    expect(deleted).toHaveLength(1);
    const actors = await server.sql(`select distinct performed_by from audit_log where entity_type = 'property'`);
    expect(actors).toEqual([{ performed_by: systemUserId }]);
  });

  it("signs a seeded agent in with the printed command's subject, seeing its drafts", async () => {
    const token = await signToken('seed_agent_alice', { email: 'alice@seed.bestays.test' });
    const response = await server.gql('{ me { role email } properties(filter: { isPublished: false }) { nodes { title } } }', { token });
    expect(response.errors).toBeUndefined();
    expect(response.data?.me).toEqual({ role: 'AGENT', email: 'alice@seed.bestays.test' });
    expect(response.data?.properties.nodes.map((node: { title: string }) => node.title).sort()).toEqual([
      'Garden cottage with a lemon tree',
      'Studio by the station',
    ]);
  });

  it('writes nothing on a second run and lists the users again', async () => {
    const before = await counts();
    const again = await seedDev(server.databaseUrl);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('the development data is there already');
    expect(again.stdout).toContain('npm run -s token -- --sub seed_admin_dana --email dana@seed.bestays.test');
    expect(await counts()).toEqual(before);
  });

  it('refuses with NODE_ENV=production, writing nothing', async () => {
    const before = await counts();
    const refused = await seedDev(server.databaseUrl, { NODE_ENV: 'production' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refusing to write development data with NODE_ENV=production');
    expect(await counts()).toEqual(before);
  });
});
