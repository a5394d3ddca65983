import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { Role } from '../../src/users/role.js';

/*
 * @auth as the server enforces it over HTTP. "Does no database work" is measured by the SQL the
 * server runs: a request with a denied field must run exactly the statements of the same request
 * without that field.
 */

describe('@auth over HTTP', () => {
  let server: TestServer;
  let user: SignedInUser;
  let owner: SignedInUser;
  let agent: SignedInUser;
  let propertyId: string;

  beforeAll(async () => {
    server = await startTestServer();
    user = await signIn(server, Role.USER);
    owner = await signIn(server, Role.AGENT);
    agent = await signIn(server, Role.AGENT);
    const created = await server.gql(
      'mutation { a: createProperty(input: { title: "Directive A", isPublished: true }) { id } b: createProperty(input: { title: "Directive B", isPublished: true }) { id } }',
      { token: owner.token },
    );
    propertyId = created.data?.a.id;
  });
  afterAll(async () => {
    await server.close();
  });

  /** The statements of one request, after a first one that lets the server know the caller's token and user. */
  const statements = async (query: string, token?: string, variables?: Record<string, unknown>) => {
    await server.gql('{ __typename }', { token });
    return await server.statementsDuring(async () => {
      const response = await server.gql(query, { token, variables });
      if (!response.data) throw new Error(`no data: ${JSON.stringify(response.errors)}`);
    });
  };

  it('runs no SQL for a denied relation field', async () => {
    const withDenied = await statements('query($id: ID!) { property(id: $id) { id createdBy { id } updatedBy { id } } }', user.token, { id: propertyId });
    const without = await statements('query($id: ID!) { property(id: $id) { id } }', user.token, { id: propertyId });
    expect(without.length).toBeGreaterThan(0);
    expect(withDenied).toEqual(without);
  });

  it('runs no SQL for a relation field denied on every item of a list', async () => {
    const query = (fields: string) => `{ properties(first: 10, filter: { search: "Directive" }) { nodes { id ${fields} } } }`;
    expect(await statements(query('createdBy { id email }'), undefined)).toEqual(await statements(query(''), undefined));
  });

  it('runs no SQL for an owner-only field denied to another agent', async () => {
    const withDenied = await statements('query($id: ID!) { property(id: $id) { id auditTrail { totalCount nodes { id } } } }', agent.token, {
      id: propertyId,
    });
    const without = await statements('query($id: ID!) { property(id: $id) { id } }', agent.token, { id: propertyId });
    expect(withDenied).toEqual(without);
  });

  it('runs no SQL for denied admin-only root fields beyond identifying the caller', async () => {
    const denied = await statements('{ __typename users { totalCount } auditLogs { totalCount } user(id: "1") { id } }', agent.token);
    const baseline = await statements('{ __typename }', agent.token);
    expect(denied).toEqual(baseline);
  });

  it('runs no SQL for a denied mutation beyond identifying the caller', async () => {
    await server.gql('{ __typename }', { token: user.token });
    const denied = await server.statementsDuring(() =>
      server.gql('mutation { createProperty(input: { title: "Not allowed" }) { id } }', { token: user.token }),
    );
    const baseline = await statements('{ __typename }', user.token);
    expect(denied).toEqual(baseline);
  });

  it('nulls a denied nullable field with its error and keeps the rest of the response', async () => {
    const response = await server.gql('query($id: ID!) { me { id email } property(id: $id) { id title createdBy { id } } }', {
      token: user.token,
      variables: { id: propertyId },
    });
    expect(response.status).toBe(200);
    expect(response.data).toEqual({
      me: { id: user.id, email: user.email },
      property: { id: propertyId, title: 'Directive A', createdBy: null },
    });
    expect(response.errors).toHaveLength(1);
    expect(response.errors?.[0]).toMatchObject({ path: ['property', 'createdBy'], extensions: { code: 'FORBIDDEN' } });
  });

  it('reports a denied field once per item of a list, and keeps every item', async () => {
    const response = await server.gql('{ properties(first: 10, filter: { search: "Directive" }) { nodes { title createdBy { id } } } }', {
      token: user.token,
    });
    const nodes = response.data?.properties.nodes as { title: string; createdBy: null }[];
    expect(nodes.map((node) => node.title).sort()).toEqual(['Directive A', 'Directive B']);
    expect(nodes.every((node) => node.createdBy === null)).toBe(true);
    expect(response.errors?.map((error) => error.path?.join('.')).sort()).toEqual([
      'properties.nodes.0.createdBy',
      'properties.nodes.1.createdBy',
    ]);
  });

  it('guards a User field however the User is reached: through an audit entry as well', async () => {
    const response = await server.gql(
      'query($id: ID!) { property(id: $id) { auditTrail { nodes { performedBy { id email } } } } }',
      { token: owner.token, variables: { id: propertyId } },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.property.auditTrail.nodes).toEqual([{ performedBy: { id: owner.id, email: owner.email } }]);
  });

  it('says UNAUTHENTICATED, not FORBIDDEN, to an anonymous caller', async () => {
    const response = await server.gql('query($id: ID!) { property(id: $id) { createdBy { id } } }', { variables: { id: propertyId } });
    expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('gives a denied field an error message that names the rule and no internals', async () => {
    const response = await server.gql('{ users { totalCount } }', { token: agent.token });
    const error = response.errors?.[0];
    expect(error?.message).toMatch(/ADMIN/);
    expect(Object.keys(error?.extensions ?? {})).toEqual(['code']);
  });

  it('names only the role when no ownership rule applies', async () => {
    const response = await server.gql('{ users { totalCount } }', { token: agent.token });
    expect(response.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([
      ['This needs the ADMIN role.', 'FORBIDDEN'],
    ]);
  });

  it("names the property's creator beside the role on a field its owner may read", async () => {
    const response = await server.gql('query($id: ID!) { property(id: $id) { auditTrail { totalCount } } }', {
      token: agent.token,
      variables: { id: propertyId },
    });
    expect(response.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([
      ['This needs the ADMIN role, or to be the agent who created this property.', 'FORBIDDEN'],
    ]);
  });

  it("names the user itself beside the role on another user's email", async () => {
    const response = await server.gql('query($id: ID!) { property(id: $id) { createdBy { id email } } }', {
      token: agent.token,
      variables: { id: propertyId },
    });
    expect(response.data?.property.createdBy).toEqual({ id: owner.id, email: null });
    expect(response.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([
      ['This needs the ADMIN role, or to be this user.', 'FORBIDDEN'],
    ]);
  });
});
