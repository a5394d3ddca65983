import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { seedProperties } from '../support/properties.js';
import { seedAuditEntries } from '../support/audit-entries.js';
import { Role } from '../../src/users/role.js';

const PAGE_SIZES = [10, 50, 100];

describe('statements per request, whatever the page size', () => {
  let server: TestServer;
  let admin: SignedInUser;
  let people: SignedInUser[];

  /** Statements the server runs for one request, after a warm-up that signs the caller in. */
  const statementsFor = async (query: string): Promise<string[]> => {
    await server.gql('{ __typename }', { token: admin.token });
    const statements = await server.statementsDuring(async () => {
      const response = await server.gql(query, { token: admin.token });
      expect(response.errors).toBeUndefined();
    });
    return statements;
  };

  beforeAll(async () => {
    server = await startTestServer();
    admin = await signIn(server, Role.ADMIN);
    people = [];
    for (let i = 0; i < 12; i++) people.push(await signIn(server, Role.AGENT));
    const ids = await seedProperties(server, { count: 100, users: people.map((person) => person.id) });
    await seedAuditEntries(server, { entityIds: ids, perEntity: 4, performers: people.map((person) => person.id) });
  });
  afterAll(async () => {
    await server.close();
  });

  it('stays at 1 for properties with createdBy, updatedBy and publishedBy (the page with its users joined in; the caller known)', async () => {
    const counts: number[] = [];
    for (const first of PAGE_SIZES) {
      const statements = await statementsFor(
        `{ properties(first: ${first}) { nodes { createdBy { email } updatedBy { email } publishedBy { email } } } }`,
      );
      counts.push(statements.length);
    }
    expect(counts).toEqual([1, 1, 1]);
  });

  it('resolves every relation to its own user', async () => {
    const response = await server.gql<{ properties: { nodes: { id: string; createdBy: { id: string }; publishedBy: { id: string } }[] } }>(
      '{ properties(first: 100) { nodes { id createdBy { id } publishedBy { id } } } }',
      { token: admin.token },
    );
    const rows = await server.sql<{ id: string; created_by: number; published_by: number }>(
      'select id, created_by, published_by from properties',
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const node of response.data!.properties.nodes) {
      expect(node.createdBy.id).toBe(String(byId.get(node.id)!.created_by));
      expect(node.publishedBy.id).toBe(String(byId.get(node.id)!.published_by));
    }
  });

  it('stays the same for auditTrail with totalCount and performedBy under every property', async () => {
    const counts: number[] = [];
    // Smaller pages than above: the document cost limit refuses 100 nested connections.
    for (const first of [10, 25, 50]) {
      const statements = await statementsFor(
        `{ properties(first: ${first}) { nodes { auditTrail(first: 2) { totalCount nodes { performedBy { email } } } } } }`,
      );
      counts.push(statements.length);
    }
    // the page, one LATERAL query for every trail with its actors joined in, one grouped COUNT
    expect(counts).toEqual([3, 3, 3]);
  });

  it('gives each property its own trail page and count', async () => {
    const response = await server.gql<{
      properties: { nodes: { id: string; auditTrail: { totalCount: number; pageInfo: { hasNextPage: boolean }; nodes: { entityId: string }[] } }[] };
    }>('{ properties(first: 30) { nodes { id auditTrail(first: 3) { totalCount pageInfo { hasNextPage } nodes { entityId } } } } }', {
      token: admin.token,
    });
    for (const node of response.data!.properties.nodes) {
      // Each seeded property's CREATE entry, then the four seeded entries.
      expect(node.auditTrail.totalCount).toBe(5);
      expect(node.auditTrail.pageInfo.hasNextPage).toBe(true);
      expect(node.auditTrail.nodes.map((entry) => entry.entityId)).toEqual([node.id, node.id, node.id]);
    }
  });

  it('reads only the columns a request selects, and the users it joins only with the fields asked of them', async () => {
    const [titles] = await statementsFor('{ properties(first: 10) { nodes { id title } } }');
    expect(titles).not.toMatch(/description|updated_at|users/);
    const [creators] = await statementsFor('{ properties(first: 10) { nodes { title createdBy { email } } } }');
    expect(creators).toMatch(/left join users/);
    expect(creators).toMatch(/email/);
    expect(creators).not.toMatch(/clerk_user_id|description/);
  });

  it('serves every field selected through nodes, edges and fragments alike', async () => {
    const response = await server.gql<{
      properties: { edges: { node: { id: string; description: string | null; createdAt: string; createdBy: { id: string; email: string } } }[]; nodes: { id: string; title: string }[] };
    }>(
      `{ properties(first: 5) { edges { node { id ...Details } } nodes { id title } } }
       fragment Details on Property { description createdAt createdBy { id email } }`,
      { token: admin.token },
    );
    expect(response.errors).toBeUndefined();
    const rows = await server.sql<{ id: string; title: string; description: string | null; created_by: number; email: string }>(
      'select p.id, p.title, p.description, p.created_by, u.email from properties p join users u on u.id = p.created_by',
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    const { edges, nodes } = response.data!.properties;
    expect(edges).toHaveLength(5);
    for (const { node } of edges) {
      const row = byId.get(node.id)!;
      expect(node.description).toBe(row.description);
      expect(node.createdBy).toEqual({ id: String(row.created_by), email: row.email });
      expect(Number.isNaN(Date.parse(node.createdAt))).toBe(false);
    }
    for (const node of nodes) expect(node.title).toBe(byId.get(node.id)!.title);
  });
});
