import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { runAsSystem } from '../../src/audit-log/system-actor.js';
import { Property } from '../../src/properties/property.entity.js';
import { User } from '../../src/users/user.entity.js';
import { Role } from '../../src/users/role.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';

const PROPERTIES = 10;
const WORKERS = 8;
const DURATION_MS = 4_000;
const KILL_EVERY_MS = 25;

const MUTATIONS = [
  'mutation($id: ID!, $title: String!) { updateProperty(id: $id, input: { title: $title }) { id } }',
  'mutation($id: ID!, $title: String!) { updateProperty(id: $id, input: { description: $title }) { id } }',
  'mutation($id: ID!) { publishProperty(id: $id) { id } }',
  'mutation($id: ID!) { unpublishProperty(id: $id) { id } }',
];

interface Entry {
  action: string;
  changes: Record<string, { old: unknown; new: unknown }> | null;
}

describe('killing database connections during mutations', () => {
  let server: TestServer;
  let agent: SignedInUser;
  let ids: string[];
  const outcomes = { ok: 0, failed: 0, terminated: 0 };

  beforeAll(async () => {
    server = await startTestServer();
    agent = await signIn(server, Role.AGENT);
    ids = await runAsSystem(server.server.orm, async (em) => {
      const owner = em.getReference(User, Number(agent.id));
      const created = Array.from({ length: PROPERTIES }, (_, i) => em.create(Property, { title: `Home ${i}`, createdBy: owner }));
      await em.flush();
      return created.map((property) => property.id);
    });

    const killer = new pg.Client({ connectionString: server.databaseUrl });
    await killer.connect();
    const deadline = Date.now() + DURATION_MS;
    const killing = (async () => {
      while (Date.now() < deadline) {
        const { rowCount } = await killer.query(
          `select pg_terminate_backend(pid) from pg_stat_activity
            where datname = current_database() and application_name = 'bestays-api' and pid <> pg_backend_pid()`,
        );
        outcomes.terminated += rowCount ?? 0;
        await new Promise((resolve) => setTimeout(resolve, KILL_EVERY_MS));
      }
    })();
    let counter = 0;
    const worker = async (): Promise<void> => {
      while (Date.now() < deadline) {
        const n = counter++;
        const response = await server.gql(MUTATIONS[n % MUTATIONS.length]!, {
          token: agent.token,
          variables: { id: ids[n % ids.length], title: `Change ${n}` },
        });
        if (response.errors) outcomes.failed++;
        else outcomes.ok++;
      }
    };
    await Promise.all([killing, ...Array.from({ length: WORKERS }, worker)]);
    await killer.end();
  }, 60_000);
  afterAll(async () => {
    await server.close();
  });

  it('injected faults while mutations succeeded', () => {
    console.info(`connection kills: ${outcomes.terminated} sessions terminated, ${outcomes.ok} mutations succeeded, ${outcomes.failed} failed`);
    expect(outcomes.terminated).toBeGreaterThan(0);
    expect(outcomes.ok).toBeGreaterThan(0);
  });

  it('leaves every property equal to the replay of its audit entries: no change without its entry, no entry without its change', async () => {
    for (const id of ids) {
      const entries = await server.sql<Entry>(
        `select action, changes from audit_log where entity_type = 'property' and entity_id = $1 order by performed_at, id`,
        [id],
      );
      expect(entries[0]?.action).toBe('create');
      const replayed: Record<string, unknown> = {};
      for (const entry of entries) {
        for (const [field, change] of Object.entries(entry.changes ?? {})) {
          if (entry.action !== 'create') expect(change.old).toEqual(replayed[field]);
          replayed[field] = change.new;
        }
      }
      const [row] = await server.sql(`select title, description, is_published from properties where id = $1`, [id]);
      expect({ title: row!.title, description: row!.description, isPublished: row!.is_published }).toEqual({
        title: replayed.title,
        description: replayed.description,
        isPublished: replayed.isPublished,
      });
    }
  });

  it('answers failed mutations with a clean error and keeps serving afterwards', async () => {
    const response = await server.gql('mutation($id: ID!) { publishProperty(id: $id) { isPublished } }', {
      token: agent.token,
      variables: { id: ids[0] },
    });
    expect(response.data?.publishProperty).toEqual({ isPublished: true });
  });
});
