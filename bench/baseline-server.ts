/**
 * The ceiling for each workload: `node:http` + `pg`, the hand-written SQL once per request, no
 * GraphQL, ORM or auth. Responses carry the same fields as the GraphQL answers, so both sides
 * serialise about as many bytes.
 *
 *   DATABASE_URL=… PORT=0 node --import tsx bench/baseline-server.ts   → prints "listening <url>"
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { BENCH_ADMIN_CLERK_ID, benchDatabaseUrl } from './bench-database.js';
import { decodeBaselineCursor, encodeBaselineCursor } from './baseline-cursor.js';

const TIMESTAMPTZ_OID = 1184;

// Kept as PostgreSQL's text so that keyset cursors keep microseconds, as the server's do.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID ? (value: string) => value : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

// The same pool size as the server's ORM (src/db/orm-options.ts), so neither side waits on fewer connections.
const pool = new pg.Pool({ connectionString: benchDatabaseUrl(), max: 10, types, application_name: 'bestays-bench-baseline' });

const isoOf = (pgInstant: string): string => new Date(pgInstant).toISOString();

type Body = Record<string, unknown>;
type Handler = (body: Body) => Promise<unknown>;

function stringField(body: Body, name: string): string {
  const value = body[name];
  if (typeof value !== 'string') throw new BadRequest(`"${name}" must be a string`);
  return value;
}

class BadRequest extends Error {}

let adminId: number | undefined;

async function benchAdminId(): Promise<number> {
  if (adminId === undefined) {
    const { rows } = await pool.query<{ id: number }>('select id from users where clerk_user_id = $1', [BENCH_ADMIN_CLERK_ID]);
    if (!rows[0]) throw new Error(`no user ${BENCH_ADMIN_CLERK_ID}: seed the database first (npm run bench:seed)`);
    adminId = rows[0].id;
  }
  return adminId;
}

/** W1: a page of published properties, newest first, with each creator's email. */
async function listing(body: Body): Promise<unknown> {
  const first = typeof body.first === 'number' ? body.first : 50;
  const { rows } = await pool.query<{ id: string; title: string; email: string | null }>(
    `select p.id, p.title, u.email from properties p left join users u on u.id = p.created_by
     where p.is_published order by p.created_at desc, p.id desc limit $1`,
    [first + 1],
  );
  return {
    properties: { nodes: rows.slice(0, first).map((row) => ({ id: row.id, title: row.title, createdBy: { email: row.email } })) },
  };
}

/** W1a: the same page for a visitor, no creator asked for, so no users join. */
async function anonymousListing(body: Body): Promise<unknown> {
  const first = typeof body.first === 'number' ? body.first : 50;
  const { rows } = await pool.query<{ id: string; title: string }>(
    `select id, title from properties
     where is_published order by created_at desc, id desc limit $1`,
    [first + 1],
  );
  return { properties: { nodes: rows.slice(0, first).map((row) => ({ id: row.id, title: row.title })) } };
}

/** W2: one property and the newest 20 entries of its trail, each with its actor's email. */
async function detail(body: Body): Promise<unknown> {
  const id = stringField(body, 'id');
  const { rows } = await pool.query<{ id: string; title: string; trail: { action: string; performedAt: string; email: string | null }[] }>(
    `select p.id, p.title, coalesce(t.trail, '[]') as trail
     from properties p
     left join lateral (
       select json_agg(json_build_object('action', a.action, 'performedAt', a.performed_at, 'email', u.email)
                       order by a.performed_at desc, a.id desc) as trail
       from (select * from audit_log a where a.entity_type = 'property' and a.entity_id = p.id::text
             order by a.performed_at desc, a.id desc limit 21) a
       left join users u on u.id = a.performed_by
     ) t on true
     where p.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return { property: null };
  return {
    property: {
      id: row.id,
      title: row.title,
      auditTrail: {
        nodes: row.trail.slice(0, 20).map((entry) => ({
          action: entry.action.toUpperCase(),
          performedAt: isoOf(entry.performedAt),
          performedBy: entry.email === null ? null : { email: entry.email },
        })),
      },
    },
  };
}

/** W3: UPDATE entries in [from, to), newest first, 50 a page, keyset by (performed_at, id). */
async function auditFilter(body: Body): Promise<unknown> {
  const from = stringField(body, 'from');
  const to = stringField(body, 'to');
  const after = typeof body.after === 'string' ? decodeBaselineCursor(body.after) : undefined;
  const params: unknown[] = [['update'], from, to];
  let keyset = '';
  if (after) {
    params.push(after.performedAt, after.id);
    keyset = 'and (performed_at, id) < ($4::timestamptz, $5::uuid)';
  }
  const { rows } = await pool.query<{
    id: string;
    entity_type: string;
    entity_id: string;
    action: string;
    performed_at: string;
    changes: unknown;
  }>(
    `select id, entity_type, entity_id, action, performed_at, changes from audit_log
     where action = any($1) and performed_at >= $2 and performed_at < $3 ${keyset}
     order by performed_at desc, id desc limit 51`,
    params,
  );
  const edges = rows.slice(0, 50).map((row) => ({
    cursor: encodeBaselineCursor(row.performed_at, row.id),
    node: {
      id: row.id,
      entityType: row.entity_type,
      entityId: row.entity_id,
      action: row.action.toUpperCase(),
      performedAt: isoOf(row.performed_at),
      changes: row.changes,
    },
  }));
  return { auditLogs: { edges, pageInfo: { hasNextPage: rows.length > 50, endCursor: edges.at(-1)?.cursor ?? null } } };
}

/** W4: the title change and its audit row, in one transaction, as the server's flush does. */
async function write(body: Body): Promise<unknown> {
  const id = stringField(body, 'id');
  const title = stringField(body, 'title');
  const performer = await benchAdminId();
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query<{ id: string; title: string; updated_at: string; old_title: string }>(
      `update properties p set title = $2, updated_at = now(), updated_by = $3
       from (select title from properties where id = $1 for update) old
       where p.id = $1 returning p.id, p.title, p.updated_at, old.title as old_title`,
      [id, title, performer],
    );
    const row = rows[0];
    if (!row) {
      await client.query('rollback');
      return { updateProperty: null };
    }
    await client.query(
      `insert into audit_log (id, entity_type, entity_id, action, performed_by, performed_at, changes, ip_address, user_agent)
       values ($1, 'property', $2, 'update', $3, clock_timestamp(), $4, $5, $6)`,
      [uuidv7(), id, performer, { title: { old: row.old_title, new: row.title } }, '127.0.0.1', 'bench'],
    );
    await client.query('commit');
    return { updateProperty: { id: row.id, title: row.title, updatedAt: isoOf(row.updated_at) } };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const ROUTES: Record<string, Handler> = { '/w1': listing, '/w1a': anonymousListing, '/w2': detail, '/w3': auditFilter, '/w4': write };

async function readJson(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const parsed: unknown = text ? JSON.parse(text) : {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequest('the body must be a JSON object');
  return parsed as Body;
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  const handler = req.method === 'POST' ? ROUTES[req.url ?? ''] : undefined;
  if (!handler) {
    send(res, 404, { errors: [{ message: 'not found' }] });
    return;
  }
  readJson(req)
    .then(handler)
    .then((data) => send(res, 200, { data }))
    .catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      send(res, error instanceof BadRequest || error instanceof SyntaxError ? 400 : 500, { errors: [{ message }] });
    });
});
server.keepAliveTimeout = 5_000;

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`listening http://127.0.0.1:${port}`);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    void pool.end().finally(() => process.exit(0));
  });
}
