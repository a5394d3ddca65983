import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { codesOf } from '../support/properties.js';
import { Role } from '../../src/users/role.js';

interface UserNode {
  id: string;
  role: string;
  email: string | null;
}
interface UserPage {
  totalCount?: number;
  nodes: UserNode[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const USERS = `query($first: Int, $after: String, $role: Role) {
  users(first: $first, after: $after, role: $role) { nodes { id role email } pageInfo { hasNextPage endCursor } }
}`;
const SET_ROLE = 'mutation($id: ID!, $role: Role!) { setUserRole(id: $id, role: $role) { id role } }';

describe('user, users and setUserRole', () => {
  let server: TestServer;
  let admin: SignedInUser;
  let agent: SignedInUser;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await signIn(server, Role.ADMIN);
    agent = await signIn(server, Role.AGENT);
  });
  afterAll(async () => {
    await server.close();
  });

  describe('user(id)', () => {
    it('returns the user with its email to an admin', async () => {
      const response = await server.gql('query($id: ID!) { user(id: $id) { id role email } }', { token: admin.token, variables: { id: agent.id } });
      expect(response.data!.user).toEqual({ id: agent.id, role: 'AGENT', email: agent.email });
    });

    it('is null for an id that names no user', async () => {
      const response = await server.gql('{ user(id: "999999") { id } }', { token: admin.token });
      expect(response.errors).toBeUndefined();
      expect(response.data!.user).toBeNull();
    });

    it('is BAD_USER_INPUT for a malformed id', async () => {
      const response = await server.gql('{ user(id: "abc") { id } }', { token: admin.token });
      expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('users', () => {
    it('lists every user in sign-up order, page by page', async () => {
      for (let i = 0; i < 4; i++) await signIn(server);
      const expected = (await server.sql<{ id: number }>('select id from users order by id')).map((row) => String(row.id));
      const walked: string[] = [];
      let after: string | null = null;
      for (;;) {
        const response: GraphQLResponse<{ users: UserPage }> = await server.gql(USERS, { token: admin.token, variables: { first: 2, after } });
        const page = response.data!.users;
        walked.push(...page.nodes.map((node) => node.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(walked).toEqual(expected);
    });

    it('filters by role and counts the matches', async () => {
      const response = await server.gql<{ users: UserPage }>('{ users(role: AGENT) { totalCount nodes { role } } }', { token: admin.token });
      const [row] = await server.sql<{ n: number }>(`select count(*)::int as n from users where role = 'agent'`);
      expect(response.data!.users.totalCount).toBe(row!.n);
      expect(new Set(response.data!.users.nodes.map((node) => node.role))).toEqual(new Set(['AGENT']));
    });

    it('is BAD_USER_INPUT for a malformed cursor', async () => {
      const response = await server.gql(USERS, { token: admin.token, variables: { after: 'xyz' } });
      expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('setUserRole', () => {
    it("changes the user's role and writes one UPDATE entry with the roles by name", async () => {
      const target = await signIn(server);
      const response = await server.gql(SET_ROLE, { token: admin.token, variables: { id: target.id, role: 'AGENT' } });
      expect(response.data!.setUserRole).toEqual({ id: target.id, role: 'AGENT' });
      const entries = await server.sql(
        `select action, changes, performed_by from audit_log where entity_type = 'user' and entity_id = $1 order by performed_at, id`,
        [target.id],
      );
      expect(entries.at(-1)).toEqual({ action: 'update', changes: { role: { old: 'USER', new: 'AGENT' } }, performed_by: Number(admin.id) });
    });

    it('takes effect on the next request of that user', async () => {
      const target = await signIn(server);
      await server.gql(SET_ROLE, { token: admin.token, variables: { id: target.id, role: 'AGENT' } });
      const response = await server.gql('mutation { createProperty(input: { title: "Mine now" }) { id } }', { token: target.token });
      expect(response.errors).toBeUndefined();
    });

    it('writes nothing when the user already has the role', async () => {
      const target = await signIn(server);
      const count = async () =>
        (await server.sql(`select count(*)::int as n from audit_log where entity_type = 'user' and entity_id = $1`, [target.id]))[0]!.n;
      const before = await count();
      const response = await server.gql(SET_ROLE, { token: admin.token, variables: { id: target.id, role: 'USER' } });
      expect(response.data!.setUserRole.role).toBe('USER');
      expect(await count()).toBe(before);
    });

    it('is NOT_FOUND for an id that names no user and BAD_USER_INPUT for a malformed one', async () => {
      expect(codesOf(await server.gql(SET_ROLE, { token: admin.token, variables: { id: '999999', role: 'AGENT' } }))).toEqual(['NOT_FOUND']);
      expect(codesOf(await server.gql(SET_ROLE, { token: admin.token, variables: { id: '1.5', role: 'AGENT' } }))).toEqual(['BAD_USER_INPUT']);
    });

    it('refuses to change the role of the system user', async () => {
      const [system] = await server.sql(`select id from users where clerk_user_id = 'system_00000000000000000000'`);
      const response = await server.gql(SET_ROLE, { token: admin.token, variables: { id: String(system!.id), role: 'USER' } });
      expect(codesOf(response)).toEqual(['FORBIDDEN']);
      expect((await server.sql('select role from users where id = $1', [system!.id]))[0]).toEqual({ role: 'admin' });
    });

    it('is FORBIDDEN for an agent', async () => {
      const response = await server.gql(SET_ROLE, { token: agent.token, variables: { id: agent.id, role: 'ADMIN' } });
      expect(codesOf(response)).toEqual(['FORBIDDEN']);
    });
  });
});
