import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { codesOf } from '../support/properties.js';
import { seedAuditEntries } from '../support/audit-entries.js';
import { Role } from '../../src/users/role.js';
import { auditedSql } from '../support/audited-sql.js';

interface Entry {
  id: string;
  entityType: string;
  entityId: string;
  action: string;
  performedAt: string;
  performedBy: { id: string } | null;
}
interface EntryPage {
  totalCount?: number;
  nodes: Entry[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const AUDIT_LOGS = `query($first: Int, $after: String, $filter: AuditLogFilter) {
  auditLogs(first: $first, after: $after, filter: $filter) {
    nodes { id entityType entityId action performedAt performedBy { id } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Each test seeds its entries in its own year, and reads them back with a from/to window. */
let year = 2030;
function window(): { start: Date; filter: { from: string; to: string } } {
  year++;
  return { start: new Date(`${year}-01-01T00:00:00Z`), filter: { from: `${year}-01-01T00:00:00.000Z`, to: `${year + 1}-01-01T00:00:00.000Z` } };
}

describe('auditLogs', () => {
  let server: TestServer;
  let admin: SignedInUser;
  let people: SignedInUser[];

  const auditLogs = async (variables: Record<string, unknown>) =>
    await server.gql<{ auditLogs: EntryPage | null }>(AUDIT_LOGS, { token: admin.token, variables });
  const nodesOf = async (variables: Record<string, unknown>): Promise<Entry[]> => {
    const response = await auditLogs({ first: 100, ...variables });
    expect(response.errors).toBeUndefined();
    return response.data!.auditLogs!.nodes;
  };

  beforeAll(async () => {
    server = await startTestServer();
    admin = await signIn(server, Role.ADMIN);
    people = [await signIn(server, Role.AGENT), await signIn(server, Role.AGENT), await signIn(server, Role.AGENT)];
  });
  afterAll(async () => {
    await server.close();
  });

  it('lists entries newest first, page by page, each once', async () => {
    const { start, filter } = window();
    await seedAuditEntries(server, { entityIds: [randomUUID(), randomUUID()], perEntity: 5, performers: [admin.id], from: start });
    const walked: Entry[] = [];
    let after: string | null = null;
    for (;;) {
      const response = await auditLogs({ first: 3, after, filter });
      walked.push(...response.data!.auditLogs!.nodes);
      if (!response.data!.auditLogs!.pageInfo.hasNextPage) break;
      after = response.data!.auditLogs!.pageInfo.endCursor;
    }
    expect(walked).toHaveLength(10);
    expect(new Set(walked.map((entry) => entry.id)).size).toBe(10);
    const times = walked.map((entry) => entry.performedAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('orders entries that share an instant by id, newest id first, and pages through them', async () => {
    const { start, filter } = window();
    await server.sql(
      `insert into audit_log (id, entity_type, entity_id, action, performed_at)
       select gen_random_uuid(), 'property', 'same-instant', 'update', $1::timestamptz + interval '123456 microseconds'
       from generate_series(1, 7)`,
      [start.toISOString()],
    );
    const expected = (await server.sql<{ id: string }>(`select id from audit_log where entity_id = 'same-instant' order by id desc`)).map(
      (row) => row.id,
    );
    const first = (await auditLogs({ first: 4, filter })).data!.auditLogs!;
    const rest = (await auditLogs({ first: 4, after: first.pageInfo.endCursor, filter })).data!.auditLogs!;
    expect([...first.nodes, ...rest.nodes].map((entry) => entry.id)).toEqual(expected);
  });

  it('filters by entityType and entityId, and by entityId alone', async () => {
    const { start, filter } = window();
    const [one, two] = [randomUUID(), randomUUID()];
    await seedAuditEntries(server, { entityIds: [one, two], perEntity: 3, performers: [admin.id], from: start });
    await seedAuditEntries(server, { entityType: 'user', entityIds: [one], perEntity: 2, performers: [admin.id], from: start });
    const both = await nodesOf({ filter: { ...filter, entityType: 'property', entityId: one } });
    expect(both.map((entry) => [entry.entityType, entry.entityId])).toEqual(Array(3).fill(['property', one]));
    expect(await nodesOf({ filter: { ...filter, entityId: one } })).toHaveLength(5);
    expect(await nodesOf({ filter: { ...filter, entityType: 'user' } })).toHaveLength(2);
  });

  it('filters by a list of actions', async () => {
    const { start, filter } = window();
    for (const action of ['create', 'update', 'publish', 'delete']) {
      await seedAuditEntries(server, { entityIds: [randomUUID()], perEntity: 1, performers: [admin.id], action, from: start });
    }
    const entries = await nodesOf({ filter: { ...filter, actions: ['PUBLISH', 'DELETE'] } });
    expect(entries.map((entry) => entry.action).sort()).toEqual(['DELETE', 'PUBLISH']);
  });

  it('matches nothing for an empty list of actions', async () => {
    const { start, filter } = window();
    await seedAuditEntries(server, { entityIds: [randomUUID()], perEntity: 2, performers: [admin.id], from: start });
    expect(await nodesOf({ filter: { ...filter, actions: [] } })).toEqual([]);
  });

  it('filters by performedBy', async () => {
    const { start, filter } = window();
    await seedAuditEntries(server, { entityIds: [randomUUID()], perEntity: 6, performers: people.map((person) => person.id), from: start });
    const entries = await nodesOf({ filter: { ...filter, performedBy: people[1]!.id } });
    expect(entries.map((entry) => entry.performedBy?.id)).toEqual([people[1]!.id, people[1]!.id]);
  });

  it('takes from as inclusive and to as exclusive', async () => {
    const { start } = window();
    await seedAuditEntries(server, { entityIds: [randomUUID()], perEntity: 5, performers: [admin.id], from: start });
    const at = (seconds: number) => new Date(start.getTime() + seconds * 1000).toISOString();
    const entries = await nodesOf({ filter: { from: at(1), to: at(3) } });
    expect(entries.map((entry) => entry.performedAt)).toEqual([at(2), at(1)]);
  });

  it('filters by a field the changes touch', async () => {
    const { start, filter } = window();
    await seedAuditEntries(server, { entityIds: [randomUUID()], perEntity: 2, performers: [admin.id], from: start });
    await seedAuditEntries(server, {
      entityIds: [randomUUID()],
      perEntity: 3,
      performers: [admin.id],
      from: start,
      changes: { description: { old: null, new: 'x' } },
    });
    expect(await nodesOf({ filter: { ...filter, changedField: 'description' } })).toHaveLength(3);
    expect(await nodesOf({ filter: { ...filter, changedField: 'title' } })).toHaveLength(2);
  });

  it('combines filters', async () => {
    const { start, filter } = window();
    const id = randomUUID();
    await seedAuditEntries(server, { entityIds: [id], perEntity: 6, performers: people.map((person) => person.id), from: start });
    const entries = await nodesOf({ filter: { ...filter, entityType: 'property', entityId: id, performedBy: people[0]!.id, actions: ['UPDATE'] } });
    expect(entries).toHaveLength(2);
  });

  it('shows performedBy as null once the actor is deleted', async () => {
    const { start, filter } = window();
    const gone = await signIn(server, Role.AGENT);
    await seedAuditEntries(server, { entityIds: [randomUUID()], perEntity: 1, performers: [gone.id], from: start });
    await auditedSql(server, { type: 'user', action: 'delete' }, 'delete from users where id = $1', [gone.id]);
    const [entry] = await nodesOf({ filter });
    expect(entry!.performedBy).toBeNull();
  });

  it('counts the matching entries when asked', async () => {
    const { start, filter } = window();
    await seedAuditEntries(server, { entityIds: [randomUUID()], perEntity: 4, performers: [admin.id], from: start });
    const response = await server.gql('query($filter: AuditLogFilter) { auditLogs(first: 1, filter: $filter) { totalCount } }', {
      token: admin.token,
      variables: { filter },
    });
    expect(response.data!.auditLogs.totalCount).toBe(4);
  });

  it('is BAD_USER_INPUT for a performedBy that is not a user id', async () => {
    expect(codesOf(await auditLogs({ filter: { performedBy: 'abc' } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('is BAD_USER_INPUT for a malformed date in variables', async () => {
    expect(codesOf(await auditLogs({ filter: { from: '2026-02-30T00:00:00Z' } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('is BAD_USER_INPUT for a malformed date written in the document', async () => {
    for (const literal of ['"yesterday"', '"2026-13-45T99:99:99Z"', '12']) {
      const response = await server.gql(`{ auditLogs(filter: { to: ${literal} }) { totalCount } }`, { token: admin.token });
      expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('is BAD_USER_INPUT for first outside 0 to 100 and for a malformed cursor', async () => {
    expect(codesOf(await auditLogs({ first: 101 }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await auditLogs({ after: Buffer.from('["audit:performed_at:desc","2026-01-01","x"]').toString('base64url') }))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });

  it('runs one statement for 10, 50 or 100 entries with performedBy (the page, its actors joined in; the caller known)', async () => {
    const { start } = window();
    await seedAuditEntries(server, { entityIds: [randomUUID(), randomUUID()], perEntity: 60, performers: people.map((person) => person.id), from: start });
    const counts: number[] = [];
    await server.gql('{ __typename }', { token: admin.token });
    for (const first of [10, 50, 100]) {
      const statements = await server.statementsDuring(async () => {
        const response = await server.gql(`{ auditLogs(first: ${first}) { nodes { performedBy { email } } } }`, { token: admin.token });
        expect(response.data!.auditLogs.nodes).toHaveLength(first);
      });
      counts.push(statements.length);
    }
    expect(counts).toEqual([1, 1, 1]);
  });
});
