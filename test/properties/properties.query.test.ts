import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { codesOf, seedProperties } from '../support/properties.js';
import { Role } from '../../src/users/role.js';
import { auditedSql } from '../support/audited-sql.js';

const UPDATE = { type: 'property', action: 'update' } as const;

interface Node {
  id: string;
  title: string;
  createdAt: string;
  updatedAt: string;
  isPublished: boolean;
}
interface Connection {
  edges: { cursor: string; node: Node }[];
  nodes: Node[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const PROPERTIES = `query($first: Int, $after: String, $filter: PropertyFilter, $orderBy: PropertyOrder) {
  properties(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    edges { cursor node { id title createdAt updatedAt isPublished } }
    nodes { id title createdAt updatedAt isPublished }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

let counter = 0;
const uniquePrefix = (label: string): string => `${label}${++counter}x${Math.random().toString(36).slice(2, 8)}`;

describe('properties', () => {
  let server: TestServer;
  let admin: SignedInUser;
  let agent: SignedInUser;

  const list = async (variables: Record<string, unknown>, token?: string) =>
    await server.gql<{ properties: Connection }>(PROPERTIES, { token, variables });

  /** Every id, page by page, following endCursor. */
  async function walk(variables: Record<string, unknown>, pageSize: number, between?: () => Promise<void>): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const response = await list({ ...variables, first: pageSize, after }, admin.token);
      expect(response.errors).toBeUndefined();
      const page = response.data!.properties;
      ids.push(...page.nodes.map((node) => node.id));
      if (!page.pageInfo.hasNextPage) return ids;
      after = page.pageInfo.endCursor;
      await between?.();
    }
  }

  beforeAll(async () => {
    server = await startTestServer();
    admin = await signIn(server, Role.ADMIN);
    agent = await signIn(server, Role.AGENT);
  });
  afterAll(async () => {
    await server.close();
  });

  it('lists published properties to an anonymous caller, newest first, with matching edges and nodes', async () => {
    const prefix = uniquePrefix('newest');
    const ids = await seedProperties(server, { count: 3, titlePrefix: prefix, spacedFrom: new Date('2026-01-01T00:00:00Z') });
    const response = await list({ filter: { search: prefix } });
    expect(response.errors).toBeUndefined();
    const page = response.data!.properties;
    expect(page.nodes.map((node) => node.id)).toEqual([...ids].reverse());
    expect(page.edges.map((edge) => edge.node)).toEqual(page.nodes);
    expect(page.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: page.edges[0]!.cursor,
      endCursor: page.edges[2]!.cursor,
    });
  });

  it('leaves drafts out for an anonymous caller and a user', async () => {
    const prefix = uniquePrefix('drafts');
    await seedProperties(server, { count: 4, titlePrefix: prefix, isPublished: 'alternate' });
    const user = await signIn(server, Role.USER);
    for (const token of [undefined, user.token]) {
      const response = await list({ filter: { search: prefix } }, token);
      expect(response.data!.properties.nodes.map((node) => node.isPublished)).toEqual([true, true]);
    }
  });

  it("shows an agent its own drafts and every published property, but not another agent's drafts", async () => {
    const prefix = uniquePrefix('mine');
    const other = await signIn(server, Role.AGENT);
    const [ownDraft] = await seedProperties(server, { count: 1, titlePrefix: `${prefix} own`, isPublished: false, users: [agent.id] });
    await seedProperties(server, { count: 1, titlePrefix: `${prefix} other`, isPublished: false, users: [other.id] });
    const [published] = await seedProperties(server, { count: 1, titlePrefix: `${prefix} public`, isPublished: true, users: [other.id] });
    const response = await list({ filter: { search: prefix } }, agent.token);
    expect(response.data!.properties.nodes.map((node) => node.id).sort()).toEqual([ownDraft, published].sort());
  });

  it('shows an admin drafts and published properties alike', async () => {
    const prefix = uniquePrefix('all');
    const ids = await seedProperties(server, { count: 4, titlePrefix: prefix, isPublished: 'alternate' });
    const response = await list({ filter: { search: prefix } }, admin.token);
    expect(response.data!.properties.nodes.map((node) => node.id).sort()).toEqual([...ids].sort());
  });

  it('walks every page once when many rows share one created_at (the id breaks ties)', async () => {
    const prefix = uniquePrefix('ties');
    const ids = await seedProperties(server, { count: 25, titlePrefix: prefix });
    const walked = await walk({ filter: { search: prefix } }, 4);
    expect(walked).toHaveLength(25);
    expect(new Set(walked)).toEqual(new Set(ids));
  });

  it('walks every page once, without duplicates or gaps, while new rows are inserted between pages', async () => {
    const prefix = uniquePrefix('moving');
    const ids = await seedProperties(server, { count: 20, titlePrefix: prefix, spacedFrom: new Date('2025-06-01T00:00:00Z') });
    for (const direction of ['DESC', 'ASC']) {
      const walked = await walk({ filter: { search: prefix }, orderBy: { field: 'CREATED_AT', direction } }, 3, async () => {
        await seedProperties(server, { count: 2, titlePrefix: prefix });
      });
      expect(new Set(walked).size).toBe(walked.length);
      expect(walked.filter((id) => ids.includes(id))).toHaveLength(20);
    }
  });

  for (const [field, key] of [
    ['CREATED_AT', 'createdAt'],
    ['UPDATED_AT', 'updatedAt'],
    ['TITLE', 'title'],
  ] as const) {
    for (const direction of ['ASC', 'DESC'] as const) {
      it(`orders by ${field} ${direction} across pages`, async () => {
        const prefix = uniquePrefix(`order${field}${direction}`);
        await seedProperties(server, { count: 7, titlePrefix: prefix, spacedFrom: new Date('2024-03-01T00:00:00Z') });
        // Titles sort opposite to creation, so that each field gives its own order.
        await auditedSql(
          server,
          { type: 'property', action: 'update' },
          `update properties set title = $1 || ' ' || (100 - right(title, 2)::int),
             updated_at = updated_at + make_interval(secs => (right(title, 2)::int % 3) * 100)
           where title like $1 || ' %'`,
          [prefix],
        );
        const all = (await list({ first: 100, filter: { search: prefix } }, admin.token)).data!.properties.nodes;
        const expected = [...all]
          .sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : a.id < b.id ? -1 : 1))
          .map((node) => node.id);
        if (direction === 'DESC') expected.reverse();
        expect(await walk({ filter: { search: prefix }, orderBy: { field, direction } }, 2)).toEqual(expected);
      });
    }
  }

  it('defaults to CREATED_AT DESC when orderBy gives only a direction or only a field', async () => {
    const prefix = uniquePrefix('defaults');
    const ids = await seedProperties(server, { count: 3, titlePrefix: prefix, spacedFrom: new Date('2024-01-01T00:00:00Z') });
    const ascending = await server.gql<{ properties: Connection }>(
      `{ properties(filter: { search: "${prefix}" }, orderBy: { direction: ASC }) { nodes { id } } }`,
    );
    expect(ascending.data!.properties.nodes.map((node) => node.id)).toEqual(ids);
    const byCreation = await server.gql<{ properties: Connection }>(
      `{ properties(filter: { search: "${prefix}" }, orderBy: { field: CREATED_AT }) { nodes { id } } }`,
    );
    expect(byCreation.data!.properties.nodes.map((node) => node.id)).toEqual([...ids].reverse());
  });

  it('filters by isPublished', async () => {
    const prefix = uniquePrefix('published');
    await seedProperties(server, { count: 6, titlePrefix: prefix, isPublished: 'alternate' });
    const drafts = await list({ filter: { search: prefix, isPublished: false } }, admin.token);
    expect(drafts.data!.properties.nodes.map((node) => node.isPublished)).toEqual([false, false, false]);
  });

  it('filters by createdBy', async () => {
    const prefix = uniquePrefix('creator');
    const creator = await signIn(server, Role.AGENT);
    const theirs = await seedProperties(server, { count: 2, titlePrefix: prefix, users: [creator.id] });
    await seedProperties(server, { count: 2, titlePrefix: prefix, users: [agent.id] });
    const response = await list({ filter: { search: prefix, createdBy: creator.id } }, admin.token);
    expect(response.data!.properties.nodes.map((node) => node.id).sort()).toEqual([...theirs].sort());
  });

  it('is BAD_USER_INPUT for a createdBy filter that is not a user id', async () => {
    const response = await list({ filter: { createdBy: 'someone' } }, admin.token);
    expect(response.data).toBeNull();
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('searches title and description case-insensitively', async () => {
    const prefix = uniquePrefix('search');
    const [inTitle, inDescription] = await seedProperties(server, { count: 3, titlePrefix: prefix });
    await auditedSql(server, UPDATE, `update properties set title = $1 || ' Lagoon Villa' where id = $2`, [prefix, inTitle]);
    await auditedSql(server, UPDATE, `update properties set description = 'Steps from the LAGOON' where id = $1`, [inDescription]);
    const response = await list({ filter: { search: 'lagoon' } }, admin.token);
    expect(response.data!.properties.nodes.map((node) => node.id).sort()).toEqual([inTitle, inDescription].sort());
  });

  it('takes % and _ in a search literally', async () => {
    const prefix = uniquePrefix('literal');
    const [percent] = await seedProperties(server, { count: 2, titlePrefix: prefix });
    await auditedSql(server, UPDATE, `update properties set title = $1 || ' 100% sea_view' where id = $2`, [prefix, percent]);
    expect((await list({ filter: { search: `${prefix} 100%` } })).data!.properties.nodes.map((node) => node.id)).toEqual([percent]);
    expect((await list({ filter: { search: `${prefix}_` } })).data!.properties.nodes).toEqual([]);
  });

  it('returns no edges for first: 0 and still tells whether rows exist', async () => {
    const prefix = uniquePrefix('zero');
    await seedProperties(server, { count: 1, titlePrefix: prefix });
    const response = await list({ first: 0, filter: { search: prefix } });
    expect(response.data!.properties).toMatchObject({ edges: [], nodes: [], pageInfo: { hasNextPage: true, startCursor: null, endCursor: null } });
  });

  it('uses 20 when first is null', async () => {
    const prefix = uniquePrefix('default');
    await seedProperties(server, { count: 21, titlePrefix: prefix });
    const response = await list({ first: null, filter: { search: prefix } });
    expect(response.data!.properties.nodes).toHaveLength(20);
  });

  for (const first of [-1, 101]) {
    it(`is BAD_USER_INPUT for first: ${first}`, async () => {
      const response = await list({ first });
      expect(response.data).toBeNull();
      expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    });
  }

  it('reports hasPreviousPage once the client pages past the first page', async () => {
    const prefix = uniquePrefix('previous');
    await seedProperties(server, { count: 3, titlePrefix: prefix });
    const first = (await list({ first: 1, filter: { search: prefix } })).data!.properties;
    const second = (await list({ first: 1, after: first.pageInfo.endCursor, filter: { search: prefix } })).data!.properties;
    expect([first.pageInfo.hasPreviousPage, second.pageInfo.hasPreviousPage]).toEqual([false, true]);
  });

  it('is BAD_USER_INPUT for a cursor it did not give out, and reveals nothing about it', async () => {
    const forged = Buffer.from(JSON.stringify(['properties:CREATED_AT:DESC', 'yesterday', 'x'])).toString('base64url');
    for (const after of ['garbage!', 'bm90IGpzb24', forged, '']) {
      const response = await list({ after });
      expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
      expect(JSON.stringify(response.errors)).not.toMatch(/select|syntax|stack/i);
    }
  });

  it('is BAD_USER_INPUT for a cursor from another ordering', async () => {
    const prefix = uniquePrefix('other');
    await seedProperties(server, { count: 2, titlePrefix: prefix });
    const byTitle = (await list({ first: 1, filter: { search: prefix }, orderBy: { field: 'TITLE', direction: 'ASC' } })).data!.properties;
    const response = await list({ after: byTitle.pageInfo.endCursor, filter: { search: prefix } });
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('properties.totalCount', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('counts every visible row that matches the filter, whatever the page size', async () => {
    const prefix = uniquePrefix('count');
    await seedProperties(server, { count: 7, titlePrefix: prefix, isPublished: 'alternate' });
    const response = await server.gql(`{ properties(first: 2, filter: { search: "${prefix}" }) { totalCount nodes { id } } }`);
    expect(response.data!.properties).toMatchObject({ totalCount: 4 });
    expect(response.data!.properties.nodes).toHaveLength(2);
  });

  it('runs its COUNT only when the client selects it', async () => {
    const without = await server.statementsDuring(() => server.gql('{ properties(first: 5) { nodes { id } } }'));
    const withCount = await server.statementsDuring(() => server.gql('{ properties(first: 5) { nodes { id } totalCount } }'));
    expect(without.filter((sql) => /count\(/i.test(sql))).toEqual([]);
    expect(withCount.filter((sql) => /count\(/i.test(sql))).toHaveLength(1);
  });
});
