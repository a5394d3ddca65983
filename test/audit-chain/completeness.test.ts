import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAsSystem } from '../../src/audit-log/system-actor.js';
import { User } from '../../src/users/user.entity.js';
import { Role } from '../../src/users/role.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn } from '../support/users.js';
import { createPropertyAs } from '../support/properties.js';
import { withClient } from '../support/databases.js';

interface DatabaseError {
  code?: string;
  message: string;
}

describe('completeness, enforced by PostgreSQL at commit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  /** Runs the statements in one transaction and returns the error its COMMIT (or a statement) raised. */
  async function transactionError(statements: string[]): Promise<DatabaseError | undefined> {
    return await withClient(server.databaseUrl, async (client) => {
      try {
        await client.query('begin');
        for (const statement of statements) await client.query(statement);
        await client.query('commit');
        return undefined;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        return error as DatabaseError;
      }
    });
  }

  const auditRow = (type: string, id: string, action: string): string =>
    `insert into audit_log (id, entity_type, entity_id, action, performed_by, changes) values (gen_random_uuid(), '${type}', '${id}', '${action}', null, '{}')`;

  const titleOf = async (id: string): Promise<string | undefined> =>
    (await server.sql<{ title: string }>('select title from properties where id = $1', [id]))[0]?.title;

  it('refuses at COMMIT an inserted property without its entry, naming the table and id, and keeps nothing', async () => {
    const id = randomUUID();
    const error = await transactionError([`insert into properties (id, title) values ('${id}', 'Unaudited')`]);
    expect(error?.code).toMatch(/^(23...|P0001)$/);
    expect(error?.message).toContain('properties');
    expect(error?.message).toContain(id);
    expect(await titleOf(id)).toBeUndefined();
  });

  it('refuses an update of an audited column, and a delete, without an entry', async () => {
    const agent = await signIn(server, Role.AGENT);
    const property = await createPropertyAs(server, agent, { title: 'Kept' });
    const update = await transactionError([`update properties set title = 'Sneaky' where id = '${property.id}'`]);
    expect(update?.code).toMatch(/^(23...|P0001)$/);
    expect(update?.message).toContain(property.id);
    const removal = await transactionError([`delete from properties where id = '${property.id}'`]);
    expect(removal?.message).toContain(property.id);
    expect(await titleOf(property.id)).toBe('Kept');
  });

  it('lets through a change written with its entry in the same transaction', async () => {
    const agent = await signIn(server, Role.AGENT);
    const property = await createPropertyAs(server, agent, { title: 'Before' });
    const error = await transactionError([
      `update properties set title = 'After' where id = '${property.id}'`,
      auditRow('property', property.id, 'update'),
    ]);
    expect(error).toBeUndefined();
    expect(await titleOf(property.id)).toBe('After');
  });

  it('does not accept an entry for another entity, or one committed by an earlier transaction', async () => {
    const agent = await signIn(server, Role.AGENT);
    const property = await createPropertyAs(server, agent, { title: 'Guarded' });
    await server.sql(auditRow('property', property.id, 'update'));
    const error = await transactionError([
      `update properties set title = 'Other' where id = '${property.id}'`,
      auditRow('property', randomUUID(), 'update'),
    ]);
    expect(error?.message).toContain(property.id);
    expect(await titleOf(property.id)).toBe('Guarded');
  });

  it('ignores updates of columns that are not audited', async () => {
    const agent = await signIn(server, Role.AGENT);
    const property = await createPropertyAs(server, agent, { title: 'Touched' });
    expect(await transactionError([`update properties set updated_at = now() where id = '${property.id}'`])).toBeUndefined();
  });

  it('guards users: role, email and clerk id changes need an entry', async () => {
    const user = await signIn(server);
    for (const change of [`role = 'admin'`, `email = 'x' || email`, `clerk_user_id = 'x' || clerk_user_id`]) {
      const error = await transactionError([`update users set ${change} where id = ${Number(user.id)}`]);
      expect(error?.message).toContain('users');
      expect(error?.message).toContain(user.id);
    }
    const [row] = await server.sql('select role from users where id = $1', [Number(user.id)]);
    expect(row?.role).toBe('user');
  });

  it("passes a user's deletion through the ORM, whose foreign keys null the user's properties and entries", async () => {
    const agent = await signIn(server, Role.AGENT);
    const property = await createPropertyAs(server, agent, { title: 'Orphaned' });
    await runAsSystem(server.server.orm, async (em) => {
      em.remove(await em.findOneOrFail(User, Number(agent.id)));
      await em.flush();
    });
    const [row] = await server.sql('select created_by from properties where id = $1', [property.id]);
    expect(row?.created_by).toBeNull();
    const entries = await server.sql(`select action from audit_log where entity_type = 'user' and entity_id = $1 order by seq`, [agent.id]);
    expect(entries.map((entry) => entry.action)).toEqual(['create', 'update', 'delete']);
  });

  it('lets a privileged bulk loader bypass the rule with session_replication_role = replica', async () => {
    const id = randomUUID();
    const error = await transactionError([
      'set local session_replication_role = replica',
      `insert into properties (id, title) values ('${id}', 'Loaded')`,
    ]);
    expect(error).toBeUndefined();
    expect(await titleOf(id)).toBe('Loaded');
  });
});
