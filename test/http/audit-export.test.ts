import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { signToken } from '../support/tokens.js';
import { Role } from '../../src/users/role.js';

type Format = 'ndjson' | 'csv';

interface ExportResponse {
  status: number;
  headers: Headers;
  body: string;
}

async function exportLog(server: TestServer, format: Format, params: Record<string, string> = {}, token?: string): Promise<ExportResponse> {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`${server.url}/admin/audit-log.${format}${query ? `?${query}` : ''}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

const ndjsonEntries = (body: string): Record<string, unknown>[] =>
  body.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);

/** RFC 4180, enough for the test: quoted cells with doubled quotes and line breaks inside. */
function parseCsv(body: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (quoted) {
      if (char === '"' && body[i + 1] === '"') (cell += '"'), i++;
      else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') row.push(cell), (cell = '');
    else if (char === '\r' && body[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += char;
  }
  return rows;
}

const ENTRY_FIELDS = 'id entityType entityId action performedAt changes ipAddress userAgent performedBy { id }';

/** The entries `auditLogs` lists for the same filter, shaped as the export writes them. */
async function graphqlEntries(server: TestServer, admin: SignedInUser, filter: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
  const response = await server.gql<{ auditLogs: { nodes: (Record<string, unknown> & { performedBy: { id: string } | null })[] } }>(
    `query ($filter: AuditLogFilter) { auditLogs(filter: $filter, first: 100) { nodes { ${ENTRY_FIELDS} } } }`,
    { token: admin.token, variables: { filter } },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.auditLogs.nodes.map((node) => ({ ...node, performedBy: node.performedBy?.id ?? null }));
}

describe('GET /admin/audit-log.ndjson and .csv', () => {
  let server: TestServer;
  let admin: SignedInUser;
  let agent: SignedInUser;
  let propertyId: string;
  let startedAt: string;

  beforeAll(async () => {
    server = await startTestServer();
    startedAt = new Date().toISOString();
    admin = await signIn(server, Role.ADMIN);
    agent = await signIn(server, Role.AGENT);
    const created = await server.gql<{ createProperty: { id: string } }>(
      'mutation { createProperty(input: { title: "Beach house, \\"sea view\\"", description: "two\\nlines" }) { id } }',
      { token: agent.token, headers: { 'user-agent': '=HYPERLINK("http://example.com")' } },
    );
    propertyId = created.data!.createProperty.id;
    await server.gql(`mutation { updateProperty(id: "${propertyId}", input: { title: "Beach house" }) { id } }`, { token: agent.token });
    await server.gql(`mutation { publishProperty(id: "${propertyId}") { id } }`, { token: agent.token });
    const other = await server.gql<{ createProperty: { id: string } }>('mutation { createProperty(input: { title: "Loft" }) { id } }', {
      token: admin.token,
    });
    await server.gql(`mutation { deleteProperty(id: "${other.data!.createProperty.id}") }`, { token: admin.token });
  });
  afterAll(async () => {
    await server.close();
  });

  it('is 401 with a JSON error without a token', async () => {
    const response = await exportLog(server, 'ndjson');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(JSON.parse(response.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('is 401 with a JSON error for a token signed with another secret', async () => {
    const forged = await signToken(admin.clerkUserId, { secret: 'another-secret-that-is-long-enough-for-hs256' });
    const response = await exportLog(server, 'csv', {}, forged);
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('is 403 with a JSON error for a signed-in agent', async () => {
    const response = await exportLog(server, 'ndjson', {}, agent.token);
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body).errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('exports as NDJSON every entry auditLogs lists, newest first, with the same values', async () => {
    const response = await exportLog(server, 'ndjson', {}, admin.token);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-log-.+\.ndjson"$/);
    const exported = ndjsonEntries(response.body);
    expect(exported.length).toBeGreaterThanOrEqual(7);
    expect(exported).toEqual(await graphqlEntries(server, admin));
  });

  it.each([
    ['entityType', { entityType: 'user' }, { entityType: 'user' }],
    ['entityId', () => ({ entityId: propertyId }), () => ({ entityId: propertyId })],
    ['actions', { actions: 'PUBLISH,delete' }, { actions: ['PUBLISH', 'DELETE'] }],
    ['performedBy', () => ({ performedBy: agent.id }), () => ({ performedBy: agent.id })],
    ['from and to', () => ({ from: startedAt, to: new Date(Date.now() + 60_000).toISOString() }), () => ({ from: startedAt, to: new Date(Date.now() + 60_000).toISOString() })],
    ['changedField', { changedField: 'isPublished' }, { changedField: 'isPublished' }],
  ] as const)('filters by %s as auditLogs does', async (_name, params, filter) => {
    const query = typeof params === 'function' ? params() : params;
    const expected = await graphqlEntries(server, admin, typeof filter === 'function' ? filter() : filter);
    const response = await exportLog(server, 'ndjson', query, admin.token);
    expect(response.status).toBe(200);
    expect(expected.length).toBeGreaterThan(0);
    expect(ndjsonEntries(response.body)).toEqual(expected);
  });

  it('exports as CSV with a header, RFC 4180 quoting and changes as JSON', async () => {
    const response = await exportLog(server, 'csv', { entityId: propertyId, actions: 'CREATE' }, admin.token);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [header, ...rows] = parseCsv(response.body);
    expect(header).toEqual(['id', 'entityType', 'entityId', 'action', 'performedAt', 'performedBy', 'ipAddress', 'userAgent', 'changes']);
    expect(rows).toHaveLength(1);
    const cells = Object.fromEntries(header!.map((name, i) => [name, rows[0]![i]]));
    expect(cells).toMatchObject({ entityType: 'property', entityId: propertyId, action: 'CREATE', performedBy: agent.id, ipAddress: '127.0.0.1' });
    const changes = JSON.parse(cells.changes!) as Record<string, { new: unknown }>;
    expect(changes.title!.new).toBe('Beach house, "sea view"');
    expect(changes.description!.new).toBe('two\nlines');
  });

  it('defuses a CSV cell a spreadsheet would run as a formula', async () => {
    const response = await exportLog(server, 'csv', { entityId: propertyId, actions: 'CREATE' }, admin.token);
    const [, row] = parseCsv(response.body);
    expect(row![7]).toBe(`'=HYPERLINK("http://example.com")`);
  });

  it('answers HEAD with the headers alone', async () => {
    const response = await fetch(`${server.url}/admin/audit-log.csv`, { method: 'HEAD', headers: { authorization: `Bearer ${admin.token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await response.text()).toBe('');
  });

  it.each([
    [{ action: 'CREATE' }, 'action'],
    [{ actions: 'CREATE,RENAME' }, 'actions'],
    [{ from: 'yesterday' }, 'from'],
    [{ to: '2026-01-01' }, 'to'],
    [{ performedBy: 'alice' }, 'performedBy'],
    [{ entityType: '' }, 'entityType'],
  ])('is 400 naming the parameter for %o', async (params, parameter) => {
    const response = await exportLog(server, 'ndjson', params, admin.token);
    expect(response.status).toBe(400);
    const error = JSON.parse(response.body).errors[0];
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', parameter });
    expect(error.message).toContain(parameter);
  });

  it('is 400 for a parameter given twice', async () => {
    const response = await fetch(`${server.url}/admin/audit-log.csv?entityType=user&entityType=property`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { parameter: string } }[] };
    expect(body.errors[0]!.extensions.parameter).toBe('entityType');
  });
});

describe('GET /admin/audit-log.ndjson on a large log', () => {
  const ROWS = 80_000;
  let server: TestServer;
  let admin: SignedInUser;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await signIn(server, Role.ADMIN);
    // Set-based: older than the admin's own entry, one second apart, so the expected order is known.
    await server.sql(
      `insert into audit_log (id, entity_type, entity_id, action, performed_by, performed_at, changes, ip_address, user_agent)
       select gen_random_uuid(), 'property', lpad(g::text, 8, '0'), 'update', $1, now() - make_interval(secs => g),
              jsonb_build_object('title', jsonb_build_object('old', 'Title ' || g, 'new', 'Title ' || (g + 1))), '127.0.0.1', 'bulk'
       from generate_series(1, ${ROWS}) g`,
      [Number(admin.id)],
    );
  });
  afterAll(async () => {
    await server.close();
  });

  /** Backends of the server's pool that are inside a query or transaction, rather than idle in the pool. */
  async function busyConnections(): Promise<number> {
    const [row] = await server.sql<{ n: string }>(
      `select count(*) as n from pg_stat_activity where datname = current_database() and application_name = 'bestays-api' and state <> 'idle'`,
    );
    return Number(row!.n);
  }

  async function startExport(): Promise<{ response: Response; abort: AbortController }> {
    const abort = new AbortController();
    const response = await fetch(`${server.url}/admin/audit-log.ndjson`, {
      headers: { authorization: `Bearer ${admin.token}` },
      signal: abort.signal,
    });
    return { response, abort };
  }

  it('streams every row across many cursor chunks, newest first', async () => {
    const response = await exportLog(server, 'ndjson', { entityType: 'property' }, admin.token);
    const ids = ndjsonEntries(response.body).map((entry) => entry.entityId);
    expect(ids).toHaveLength(ROWS);
    expect(ids[0]).toBe('00000001');
    expect(ids[ROWS - 1]).toBe(String(ROWS).padStart(8, '0'));
    expect(ids.every((id, i) => id === String(i + 1).padStart(8, '0'))).toBe(true);
  });

  it('closes the cursor and frees its connection when the client goes away mid-export', async () => {
    const { response, abort } = await startExport();
    const reader = response.body!.getReader();
    await reader.read();
    // The client has stopped reading: the export waits on backpressure with its cursor open.
    await expect.poll(busyConnections).toBe(1);
    abort.abort();
    await expect.poll(busyConnections, { timeout: 5_000 }).toBe(0);
  });

  it('answers 429 while two exports run, and serves again once they end', async () => {
    const first = await startExport();
    const second = await startExport();
    const third = await exportLog(server, 'ndjson', {}, admin.token);
    expect(third.status).toBe(429);
    expect(JSON.parse(third.body).errors[0].extensions.code).toBe('TOO_MANY_REQUESTS');
    first.abort.abort();
    second.abort.abort();
    await expect.poll(busyConnections, { timeout: 5_000 }).toBe(0);
    const after = await exportLog(server, 'ndjson', { entityType: 'user' }, admin.token);
    expect(after.status).toBe(200);
  });
});
