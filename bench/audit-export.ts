/**
 * The audit-log export under a million rows: the real server (a child process, so that its memory
 * is measured alone) on a scratch database seeded with set-based SQL, exporting 100,000 rows and
 * then all 1,000,000 as NDJSON and as CSV. Prints time, throughput and the server's peak RSS per
 * export; a flat peak from 100k to 1M rows is the point. Baselines in the same run: the server's
 * idle RSS, and the same rows read straight from PostgreSQL through a cursor (no HTTP, no encoding).
 *
 *   npm run bench:export          (BENCH_DATABASE_URL=postgres://… for another server; BENCH_EXPORT_ROWS=… to change the size)
 *
 * audit_log refuses DELETE and TRUNCATE, so the scratch database is dropped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { withClient } from '../src/db/pg-client.js';
import { freePort } from '../src/shared/free-port.js';

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROWS = Number(process.env.BENCH_EXPORT_ROWS ?? 1_000_000);
const PARTIAL_ROWS = Math.min(100_000, ROWS);
const SECRET = randomBytes(32).toString('hex');
const ADMIN = 'bench_export_admin';

function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}



/** kB figures of /proc/<pid>/status: VmRSS now, VmHWM the peak since the last reset. */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** Starts a new peak (VmHWM) measurement for the process: Linux resets it on "5" in clear_refs. */
async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

async function startServer(database: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl(database), PORT: String(port), HOST: '127.0.0.1', AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let attempt = 0; attempt < 240; attempt++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the server did not become ready');
}

interface ExportRun {
  rows: number;
  bytes: number;
  seconds: number;
  firstByteMs: number;
  peakKb: number;
}

/** One export read to the end as fast as the client can; counts lines and bytes, keeps nothing. */
async function runExport(port: number, pid: number, token: string, format: 'ndjson' | 'csv', query: string): Promise<ExportRun> {
  await resetPeak(pid);
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/admin/audit-log.${format}${query}`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok || !response.body) throw new Error(`export answered ${response.status}: ${await response.text()}`);
  const firstByteMs = performance.now() - started;
  let bytes = 0;
  let lines = 0;
  for await (const chunk of response.body) {
    bytes += chunk.byteLength;
    for (const byte of chunk) if (byte === 10) lines++;
  }
  const seconds = (performance.now() - started) / 1000;
  // CSV has a header line; neither format puts a line break inside a row here (the seed has none).
  return { rows: format === 'csv' ? lines - 1 : lines, bytes, seconds, firstByteMs, peakKb: (await memoryOf(pid)).peak };
}

/** The same rows straight from PostgreSQL through a cursor, 1,000 at a time: what the export costs on top. */
async function rawCursorSeconds(url: string): Promise<number> {
  return await withClient(url, async (client) => {
    const started = performance.now();
    await client.query('begin');
    await client.query('declare export_rows no scroll cursor for select * from audit_log order by performed_at desc, id desc');
    let rows = 0;
    for (;;) {
      const { rowCount } = await client.query('fetch 1000 from export_rows');
      if (!rowCount) break;
      rows += rowCount;
    }
    await client.query('commit');
    if (rows !== ROWS + 1) throw new Error(`raw read saw ${rows} rows`);
    return (performance.now() - started) / 1000;
  });
}

const database = `bestays_bench_export_${process.pid}`;
await withClient(SERVER_URL, (client) => client.query(`create database "${database}"`));
let server: ChildProcess | undefined;
try {
  const port = await freePort();
  server = await startServer(database, port);
  const pid = server.pid!;
  const token = await new SignJWT({ email: 'bench-admin@example.com' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(ADMIN)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(SECRET));
  // First sign-in creates the user (and its audit entry); the role is set directly on the scratch database.
  const me = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ me { id } }' }),
  });
  const adminId = Number(((await me.json()) as { data: { me: { id: string } } }).data.me.id);

  const seedStarted = performance.now();
  await withClient(databaseUrl(database), async (client) => {
    // A change to a user commits only with its audit entry (the database checks it at commit).
    await client.query(
      `with changed as (update users set role = 'admin' where id = $1 returning id)
       insert into audit_log (id, entity_type, entity_id, action, performed_by, changes)
       select gen_random_uuid(), 'user', id::text, 'update', null, '{"role": {"old": "USER", "new": "ADMIN"}}' from changed`,
      [adminId],
    );
    // Rows about as large as real ones: a two-field change, an IPv4 address, a browser's user agent.
    await client.query(
      `insert into audit_log (id, entity_type, entity_id, action, performed_by, performed_at, changes, ip_address, user_agent)
       select gen_random_uuid(), 'property', gen_random_uuid()::text,
              (array['create', 'update', 'update', 'publish', 'unpublish'])[1 + g % 5], $1,
              now() - interval '1 minute' - make_interval(secs => g / 10.0),
              jsonb_build_object('title', jsonb_build_object('old', 'Sea view flat ' || g, 'new', 'Sea view flat, renovated ' || g),
                                 'description', jsonb_build_object('old', null, 'new', 'Two bedrooms, balcony, "quiet" street')),
              '203.0.113.' || (g % 250), 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36'
       from generate_series(1, $2::int) g`,
      [adminId, ROWS],
    );
    await client.query('analyze audit_log');
  });
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  // The admin's own sign-in entry is the newest of ROWS + 1; the partial export takes the newest PARTIAL_ROWS by time.
  const { rows: [cut] } = await withClient(databaseUrl(database), (client) =>
    client.query<{ at: string }>(
      `select to_char(performed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at from audit_log order by performed_at desc, id desc offset $1 limit 1`,
      [PARTIAL_ROWS - 1],
    ),
  );
  const partialQuery = `?from=${encodeURIComponent(cut!.at)}`;

  // Warm the server (JIT, the pool, PostgreSQL's cache) before any figure is taken.
  await runExport(port, pid, token, 'ndjson', partialQuery);
  const idle = await memoryOf(pid);

  const runs: [string, ExportRun][] = [];
  for (const format of ['ndjson', 'csv'] as const) {
    runs.push([`${format} ${PARTIAL_ROWS.toLocaleString('en')} rows`, await runExport(port, pid, token, format, partialQuery)]);
    runs.push([`${format} all rows`, await runExport(port, pid, token, format, '')]);
  }
  const raw = await rawCursorSeconds(databaseUrl(database));

  console.log(`audit-log export: ${ROWS.toLocaleString('en')} seeded rows (+1 sign-in entry) in ${seedSeconds.toFixed(1)} s; server on ${process.version}`);
  console.log(`  server RSS idle after a warm-up export: ${mb(idle.rss)}`);
  for (const [label, run] of runs) {
    console.log(
      `  ${label.padEnd(22)} ${run.rows.toLocaleString('en').padStart(9)} rows  ${(run.bytes / 1024 / 1024).toFixed(0).padStart(4)} MB  ` +
        `${run.seconds.toFixed(2).padStart(6)} s  ${Math.round(run.rows / run.seconds).toLocaleString('en').padStart(7)} rows/s  ` +
        `first byte ${run.firstByteMs.toFixed(0)} ms  peak RSS ${mb(run.peakKb)} (${(run.peakKb / idle.rss).toFixed(2)}x idle)`,
    );
  }
  const full = runs.find(([label]) => label === 'ndjson all rows')![1];
  console.log(`  baseline, the same rows through a raw pg cursor (no HTTP, no encoding): ${raw.toFixed(2)} s; ndjson export / raw = ${(full.seconds / raw).toFixed(2)}x`);
  for (const format of ['ndjson', 'csv']) {
    const [part, all] = runs.filter(([label]) => label.startsWith(format)).map(([, run]) => run);
    console.log(`  ${format}: peak RSS at ${ROWS.toLocaleString('en')} rows / at ${PARTIAL_ROWS.toLocaleString('en')} rows = ${(all!.peakKb / part!.peakKb).toFixed(2)}x`);
  }
} finally {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await withClient(SERVER_URL, (client) => client.query(`drop database if exists "${database}" with (force)`));
}
