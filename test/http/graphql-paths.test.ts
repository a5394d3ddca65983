import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { Role } from '../../src/users/role.js';

/**
 * Plain JSON POSTs are served without express, everything else through it (a browser's request
 * carries an Origin): both must answer alike, byte for byte in body and status.
 */
describe('POST /graphql with and without express in the way', () => {
  let server: TestServer;
  let agent: SignedInUser;

  beforeAll(async () => {
    server = await startTestServer();
    agent = await signIn(server, Role.AGENT);
  });
  afterAll(async () => {
    await server.close();
  });

  /** The same request twice: as a script sends it, and as a browser page on an allowed origin does. */
  async function bothWays(body: string, headers: Record<string, string> = {}) {
    const send = async (extra: Record<string, string>) => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers, ...extra },
        body,
      });
      return { status: response.status, body: await response.text(), requestId: response.headers.get('x-request-id'), vary: response.headers.get('vary') };
    };
    return { direct: await send({}), browser: await send({ origin: 'http://localhost:5173' }) };
  }

  it('answers a query, an error and a mutation alike, with a request id and Vary: Origin', async () => {
    const token = { authorization: `Bearer ${agent.token}` };
    for (const body of [
      JSON.stringify({ query: '{ me { id role email } }' }),
      JSON.stringify({ query: '{ properties(first: 200) { totalCount } }' }),
      JSON.stringify({ query: '{ nope }' }),
      JSON.stringify({ query: 'query($id: ID!) { property(id: $id) { id } }', variables: { id: 'not-a-uuid' } }),
    ]) {
      const { direct, browser } = await bothWays(body, token);
      expect(direct.status).toBe(browser.status);
      expect(direct.body).toBe(browser.body);
      expect(direct.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(direct.vary).toMatch(/Origin/);
    }
  });

  it('refuses a bad token, malformed JSON and a body that is not an object alike', async () => {
    for (const [body, headers] of [
      [JSON.stringify({ query: '{ me { id } }' }), { authorization: 'Bearer not-a-jwt' }],
      [JSON.stringify({ query: '{ me { id } }' }), { authorization: 'Basic abc' }],
      ['{"query": ', {}],
      ['"a string"', {}],
    ] as const) {
      const { direct, browser } = await bothWays(body, headers);
      expect(direct.status).toBeGreaterThanOrEqual(400);
      expect(direct.status).toBe(browser.status);
      expect(direct.body).toBe(browser.body);
    }
  });

  it('attributes a mutation to the caller and its address on both paths', async () => {
    for (const origin of [undefined, 'http://localhost:5173']) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${agent.token}`,
          'user-agent': `paths-test ${origin ?? 'direct'}`,
          ...(origin ? { origin } : {}),
        },
        body: JSON.stringify({ query: 'mutation { createProperty(input: { title: "Either way" }) { id } }' }),
      });
      const id = ((await response.json()) as { data: { createProperty: { id: string } } }).data.createProperty.id;
      const [entry] = await server.sql<{ performed_by: number; user_agent: string; ip_address: string }>(
        `select performed_by, user_agent, ip_address from audit_log where entity_id = $1`,
        [id],
      );
      expect(entry).toEqual({ performed_by: Number(agent.id), user_agent: `paths-test ${origin ?? 'direct'}`, ip_address: '127.0.0.1' });
    }
  });
});
