import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAsSystem } from '../../src/audit-log/system-actor.js';
import { Property } from '../../src/properties/property.entity.js';
import { User } from '../../src/users/user.entity.js';
import { Role } from '../../src/users/role.js';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { entriesOf } from './audit-support.js';

const UPDATE_PROPERTY = `mutation Rename($id: ID!, $title: String!) {
  updateProperty(id: $id, input: { title: $title }) { id title }
}`;
const CALLS = 40;

describe('concurrent updateProperty calls on one property', () => {
  let server: TestServer;
  let agent: SignedInUser;
  let propertyId: string;
  let responses: GraphQLResponse<{ updateProperty: { id: string; title: string } }>[];

  beforeAll(async () => {
    server = await startTestServer();
    agent = await signIn(server, Role.AGENT);
    propertyId = await runAsSystem(server.server.orm, async (em) => {
      const property = em.create(Property, { title: 'Start', createdBy: em.getReference(User, Number(agent.id)) });
      await em.flush();
      return property.id;
    });
    responses = await Promise.all(
      Array.from({ length: CALLS }, (_, i) =>
        server.gql<{ updateProperty: { id: string; title: string } }>(UPDATE_PROPERTY, {
          token: agent.token,
          variables: { id: propertyId, title: `Title ${i}` },
        }),
      ),
    );
  });
  afterAll(async () => {
    await server.close();
  });

  const successes = () => responses.filter((response) => response.data?.updateProperty && !response.errors);

  it('each succeeds with its own title or fails with a contract error code', async () => {
    responses.forEach((response, i) => {
      if (response.data?.updateProperty) expect(response.data.updateProperty.title).toBe(`Title ${i}`);
      else expect(response.errors?.[0]?.extensions?.code).toMatch(/^[A-Z_]+$/);
    });
    expect(successes().length).toBeGreaterThan(0);
  });

  it('writes one UPDATE entry per success, with the title that call set', async () => {
    const updates = (await entriesOf(server, 'property', propertyId)).filter((entry) => entry.action === 'update');
    expect(updates).toHaveLength(successes().length);
    expect(new Set(updates.map((entry) => entry.changes?.title?.new))).toEqual(
      new Set(successes().map((response) => response.data!.updateProperty.title)),
    );
  });

  it("chains the entries: each entry's old title is the previous entry's new title", async () => {
    const entries = await entriesOf(server, 'property', propertyId);
    expect(entries[0]?.action).toBe('create');
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i]!.changes?.title?.old).toBe(entries[i - 1]!.changes?.title?.new);
    }
  });

  it('lists the entries through auditLogs newest first, in the order they committed', async () => {
    const admin = await signIn(server, Role.ADMIN);
    const response = await server.gql<{ auditLogs: { nodes: { action: string; changes: { title?: { old: unknown; new: unknown } } }[] } }>(
      `query Trail($id: ID!) { auditLogs(first: 100, filter: { entityType: "property", entityId: $id }) { nodes { action changes } } }`,
      { token: admin.token, variables: { id: propertyId } },
    );
    const nodes = response.data?.auditLogs.nodes ?? [];
    expect(nodes).toHaveLength(successes().length + 1);
    expect(nodes.at(-1)?.action).toBe('CREATE');
    for (let i = 0; i < nodes.length - 1; i++) {
      expect(nodes[i]!.changes.title?.old).toBe(nodes[i + 1]!.changes.title?.new);
    }
  });

  it('leaves the row with the last entry\'s new title', async () => {
    const entries = await entriesOf(server, 'property', propertyId);
    const [row] = await server.sql<{ title: string }>('select title from properties where id = $1', [propertyId]);
    expect(row?.title).toBe(entries.at(-1)?.changes?.title?.new);
  });

  it('attributes every entry to the signed-in agent, with the request\'s address and user agent', async () => {
    const updates = (await entriesOf(server, 'property', propertyId)).filter((entry) => entry.action === 'update');
    for (const entry of updates) {
      expect(entry).toMatchObject({ performed_by: Number(agent.id), ip_address: '127.0.0.1' });
      expect(entry.user_agent).toBeTruthy();
    }
  });
});
