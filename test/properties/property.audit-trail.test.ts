import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { codesOf, createPropertyAs } from '../support/properties.js';
import { Role } from '../../src/users/role.js';

interface Trail {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: { action: string; entityType: string; entityId: string; changes: Record<string, unknown>; performedBy: { id: string } | null }[];
}

const TRAIL = `query($id: ID!, $first: Int, $after: String) {
  property(id: $id) {
    auditTrail(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { action entityType entityId changes performedBy { id } }
    }
  }
}`;

describe('Property.auditTrail', () => {
  let server: TestServer;
  let owner: SignedInUser;
  let admin: SignedInUser;
  let propertyId: string;

  const trail = async (token: string, variables: Record<string, unknown> = {}) =>
    await server.gql<{ property: { auditTrail: Trail | null } | null }>(TRAIL, { token, variables: { id: propertyId, ...variables } });

  beforeAll(async () => {
    server = await startTestServer();
    owner = await signIn(server, Role.AGENT);
    admin = await signIn(server, Role.ADMIN);
    propertyId = (await createPropertyAs(server, owner, { title: 'One' })).id;
    const update = 'mutation($id: ID!, $title: String) { updateProperty(id: $id, input: { title: $title }) { id } }';
    await server.gql(update, { token: owner.token, variables: { id: propertyId, title: 'Two' } });
    await server.gql('mutation($id: ID!) { publishProperty(id: $id) { id } }', { token: admin.token, variables: { id: propertyId } });
    await server.gql(update, { token: admin.token, variables: { id: propertyId, title: 'Three' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("lists the property's entries newest first, in the order the changes committed, to its owner", async () => {
    const response = await trail(owner.token);
    expect(response.errors).toBeUndefined();
    const entries = response.data!.property!.auditTrail!;
    expect(entries.nodes.map((entry) => entry.action)).toEqual(['UPDATE', 'PUBLISH', 'UPDATE', 'CREATE']);
    expect(entries.nodes.map((entry) => entry.performedBy?.id)).toEqual([admin.id, admin.id, owner.id, owner.id]);
    expect(entries.nodes.every((entry) => entry.entityType === 'property' && entry.entityId === propertyId)).toBe(true);
    expect(entries.nodes[0]!.changes).toEqual({ title: { old: 'Two', new: 'Three' } });
    expect(entries.totalCount).toBe(4);
  });

  it('pages with first and after', async () => {
    const first = (await trail(admin.token, { first: 3 })).data!.property!.auditTrail!;
    const rest = (await trail(admin.token, { first: 3, after: first.pageInfo.endCursor })).data!.property!.auditTrail!;
    expect([first.pageInfo.hasNextPage, rest.pageInfo.hasNextPage]).toEqual([true, false]);
    expect([...first.nodes, ...rest.nodes].map((entry) => entry.action)).toEqual(['UPDATE', 'PUBLISH', 'UPDATE', 'CREATE']);
  });

  it('is null with FORBIDDEN for an agent that does not own the property', async () => {
    const stranger = await signIn(server, Role.AGENT);
    const response = await trail(stranger.token);
    expect(response.data!.property).toEqual({ auditTrail: null });
    expect(codesOf(response)).toEqual(['FORBIDDEN']);
  });

  it('is BAD_USER_INPUT for a malformed cursor or first over 100', async () => {
    expect(codesOf(await trail(admin.token, { after: 'not-a-cursor' }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await trail(admin.token, { first: 101 }))).toEqual(['BAD_USER_INPUT']);
  });
});
