import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { Role } from '../../src/users/role.js';

const CREATE = 'mutation { createProperty(input: { title: "Cached or not" }) { id } }';

/**
 * Every process caches viewers; a change to a user holds for the very next request in every
 * process, whoever made the change: the database tells each process which user to forget.
 */
describe('the viewer cache across server processes', () => {
  let first: TestServer;
  let second: ServerProcess;
  let admin: SignedInUser;

  beforeAll(async () => {
    first = await startTestServer();
    second = await startServerProcess(first.databaseUrl);
    admin = await signIn(first, Role.ADMIN);
  });
  afterAll(async () => {
    await second?.stop();
    await first?.close();
  });

  /** A change to a user made by plain SQL, as a DBA would: with its audit entry, in one transaction. */
  async function changeUserBySql(userId: string, action: 'update' | 'delete', statement: string): Promise<void> {
    await first.sql(
      `begin;
       insert into audit_log (id, entity_type, entity_id, action, performed_by, changes)
         values (gen_random_uuid(), 'user', '${Number(userId)}', '${action}', null, '{}');
       ${statement};
       commit;`,
    );
  }

  /** An agent known to (and cached by) the second process. */
  async function agentKnownToSecond(): Promise<SignedInUser> {
    const agent = await signIn(first, Role.AGENT);
    for (let i = 0; i < 3; i++) {
      const me = await second.gql<{ me: { role: string } }>('{ me { role } }', { token: agent.token });
      expect(me.data?.me.role).toBe('AGENT');
    }
    expect((await second.gql(CREATE, { token: agent.token })).errors).toBeUndefined();
    return agent;
  }

  it('refuses, through the second process, the very next request of an agent lowered through the first', async () => {
    const agent = await agentKnownToSecond();
    const lowered = await first.gql(`mutation { setUserRole(id: "${agent.id}", role: USER) { role } }`, { token: admin.token });
    expect(lowered.errors).toBeUndefined();
    const refused = await second.gql(CREATE, { token: agent.token });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await second.gql<{ me: { role: string } }>('{ me { role } }', { token: agent.token })).data?.me.role).toBe('USER');
  });

  it('sees a role changed by plain SQL on the next request', async () => {
    const agent = await agentKnownToSecond();
    await changeUserBySql(agent.id, 'update', `update users set role = 'user' where id = ${Number(agent.id)}`);
    expect((await second.gql(CREATE, { token: agent.token })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('treats a deleted user as a new sign-in on the next request', async () => {
    const agent = await agentKnownToSecond();
    const before = await second.gql<{ me: { id: string } }>('{ me { id } }', { token: agent.token });
    await changeUserBySql(agent.id, 'delete', `delete from users where id = ${Number(agent.id)}`);
    const after = await second.gql<{ me: { id: string; role: string } }>('{ me { id role } }', { token: agent.token });
    expect(after.data?.me.id).not.toBe(before.data?.me.id);
    expect(after.data?.me.role).toBe('USER');
  });

  it('forgets every viewer when its listening connection is lost, and is right while it reconnects', async () => {
    const agent = await agentKnownToSecond();
    // The listener's session ends; a change made now notifies nobody.
    await first.sql(`select pg_terminate_backend(pid) from pg_stat_activity
                     where application_name = 'bestays-api-listener' and datname = current_database()`);
    await changeUserBySql(agent.id, 'update', `update users set role = 'user' where id = ${Number(agent.id)}`);
    expect((await second.gql(CREATE, { token: agent.token })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await changeUserBySql(agent.id, 'update', `update users set role = 'agent' where id = ${Number(agent.id)}`);
    expect((await second.gql(CREATE, { token: agent.token })).errors).toBeUndefined();
  });
});
