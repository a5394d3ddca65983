import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { createPropertyAs } from '../support/properties.js';
import { Role } from '../../src/users/role.js';

interface RawAnswer {
  status: number;
  body: string;
  contentType: string | null;
  requestId: string | null;
  vary: string | null;
}

/**
 * A query Apollo has accepted once is answered again from its compiled form, outside Apollo's
 * pipeline: every answer must stay the one Apollo would give, and everything decided per request
 * (the caller's access, the variables) must still be decided per request.
 */
describe('repeated queries', () => {
  let server: TestServer;
  let admin: SignedInUser;
  let agent: SignedInUser;
  let otherAgent: SignedInUser;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await signIn(server, Role.ADMIN);
    agent = await signIn(server, Role.AGENT);
    otherAgent = await signIn(server, Role.AGENT);
    for (const title of ['Prepared villa', 'Prepared cottage', 'Prepared loft']) await createPropertyAs(server, agent, { title, isPublished: true });
  });
  afterAll(async () => {
    await server.close();
  });

  async function post(body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: await response.text(),
      contentType: response.headers.get('content-type'),
      requestId: response.headers.get('x-request-id'),
      vary: response.headers.get('vary'),
    };
  }

  /** The same request as a browser sends it: through express and Apollo's whole pipeline, every time. */
  const throughApollo = (body: unknown, headers: Record<string, string> = {}) =>
    post(body, { ...headers, origin: 'http://localhost:5173' });

  it('answers a repeated query with the status, type and bytes Apollo gives', async () => {
    const body = {
      query: 'query Listing($first: Int!) { properties(first: $first) { nodes { id title createdBy { email } } pageInfo { endCursor } } }',
      operationName: 'Listing',
      variables: { first: 5 },
    };
    const auth = { authorization: `Bearer ${admin.token}` };
    const first = await post(body, auth);
    const again = await post(body, auth);
    const reference = await throughApollo(body, auth);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body).data.properties.nodes.length).toBeGreaterThan(0);
    for (const answer of [first, again]) {
      expect(answer.status).toBe(reference.status);
      expect(answer.body).toBe(reference.body);
      expect(answer.contentType).toBe('application/json; charset=utf-8');
      expect(answer.vary).toMatch(/Origin/);
    }
    expect(again.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(again.requestId).not.toBe(first.requestId);
  });

  it('reads with the variables of each request', async () => {
    const query = 'query Page($first: Int!) { properties(first: $first) { nodes { id } } }';
    const sizes: number[] = [];
    for (const first of [1, 2, 1]) {
      const answer = await post({ query, variables: { first } }, { authorization: `Bearer ${admin.token}` });
      sizes.push(JSON.parse(answer.body).data.properties.nodes.length);
    }
    expect(sizes).toEqual([1, 2, 1]);
  });

  it("decides access for each caller: one caller's answer is never another's", async () => {
    const query = '{ users(first: 5) { nodes { id email } } }';
    const asAdmin = await post({ query }, { authorization: `Bearer ${admin.token}` });
    expect(JSON.parse(asAdmin.body).data.users.nodes.length).toBeGreaterThan(0);
    const asAgent = await post({ query }, { authorization: `Bearer ${agent.token}` });
    const anonymous = await post({ query });
    for (const [answer, code] of [
      [asAgent, 'FORBIDDEN'],
      [anonymous, 'UNAUTHENTICATED'],
    ] as const) {
      expect(answer.body).toBe((await throughApollo({ query }, answer === asAgent ? { authorization: `Bearer ${agent.token}` } : {})).body);
      expect(JSON.parse(answer.body).errors[0].extensions.code).toBe(code);
    }
  });

  it("shows a draft only to its owner, whoever asked the same query before", async () => {
    const draft = await createPropertyAs(server, agent, { title: 'Prepared draft' });
    const query = 'query One($id: ID!) { property(id: $id) { id title } }';
    const owner = await post({ query, variables: { id: draft.id } }, { authorization: `Bearer ${agent.token}` });
    const other = await post({ query, variables: { id: draft.id } }, { authorization: `Bearer ${otherAgent.token}` });
    expect(JSON.parse(owner.body).data.property.title).toBe('Prepared draft');
    expect(JSON.parse(other.body).data.property).toBeNull();
  });

  it('refuses variables that do not fit the prepared query as Apollo does', async () => {
    const query = 'query Page($first: Int!) { properties(first: $first) { nodes { id } } }';
    await post({ query, variables: { first: 1 } });
    for (const variables of [{ first: 'many' }, {}, { first: 'nul\u0000' }]) {
      const answer = await post({ query, variables });
      const reference = await throughApollo({ query, variables });
      expect(answer.status).toBe(400);
      expect(answer.body).toBe(reference.body);
      expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('refuses a NUL character in the variables of a prepared query before any SQL runs', async () => {
    const query = 'query Search($search: String) { properties(first: 1, filter: { search: $search }) { nodes { id } } }';
    await post({ query, variables: { search: 'villa' } });
    const statements = await server.statementsDuring(() => post({ query, variables: { search: 'vil\u0000la' } }));
    expect(statements).toEqual([]);
    const answer = await post({ query, variables: { search: 'vil\u0000la' } });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('runs one statement for a repeated listing, as the first time', async () => {
    const body = { query: '{ properties(first: 10) { nodes { id title createdBy { email } } } }' };
    const auth = { authorization: `Bearer ${admin.token}` };
    const firstTime = await server.statementsDuring(() => post(body, auth));
    const again = await server.statementsDuring(() => post(body, auth));
    expect(again).toHaveLength(1);
    expect(again).toEqual(firstTime.slice(-1));
  });

  it('sends every mutation through Apollo, even in a document whose query is prepared', async () => {
    const document = `query Titles { properties(first: 1) { nodes { id } } }
      mutation Create { createProperty(input: { title: "Made twice" }) { id title } }`;
    const auth = { authorization: `Bearer ${agent.token}` };
    await post({ query: document, operationName: 'Titles' }, auth);
    await post({ query: document, operationName: 'Titles' }, auth);
    const created: string[] = [];
    for (let i = 0; i < 2; i++) {
      const answer = await post({ query: document, operationName: 'Create' }, auth);
      created.push(JSON.parse(answer.body).data.createProperty.id as string);
    }
    expect(new Set(created).size).toBe(2);
    const entries = await server.sql('select entity_id from audit_log where entity_id = any($1) and action = $2', [created, 'create']);
    expect(entries).toHaveLength(2);
  });

  it('leaves another Accept, extensions and an unknown operation name to Apollo', async () => {
    const query = 'query Named { properties(first: 1) { nodes { id } } }';
    await post({ query });
    const graphqlResponse = await post({ query }, { accept: 'application/graphql-response+json' });
    expect(graphqlResponse.contentType).toBe('application/graphql-response+json; charset=utf-8');
    const unknownOperation = await post({ query, operationName: 'Other' });
    expect(unknownOperation.status).toBe(400);
    expect(unknownOperation.body).toBe((await throughApollo({ query, operationName: 'Other' })).body);
    const withExtensions = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } });
    expect(withExtensions.body).toBe((await throughApollo({ query, extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } })).body);
  });

  it('counts repeated queries in the request metrics', async () => {
    const query = 'query CountedTwice { properties(first: 1) { nodes { id } } }';
    await post({ query });
    await post({ query });
    await post({ query });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith('graphql_requests_total{operation="CountedTwice",outcome="success"}'));
    expect(Number(line?.split(' ').pop())).toBe(3);
  });
});
