import { spawnSync } from 'node:child_process';
import { SignJWT } from 'jose';
import { BENCH_ADMIN_CLERK_ID, BENCH_JWT_SECRET, withClient } from './bench-database.js';
import { PROJECT_ROOT } from './processes.js';
import { AUDIT_FILTER_QUERY, graphqlBody, type WorkloadInputs } from './workloads.js';

/** An HS256 token for the seeded admin, valid long enough for any bounded run. */
export async function benchAdminToken(): Promise<string> {
  return await new SignJWT({ email: 'bench_admin@bench.bestays.app' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(BENCH_ADMIN_CLERK_ID)
    .setIssuedAt()
    .setExpirationTime('3h')
    .sign(new TextEncoder().encode(BENCH_JWT_SECRET));
}

export interface SeededSizes {
  users: number;
  properties: number;
  audit: number;
}

/** Refuses to measure an empty or unseeded database: the figures would mean nothing. */
export async function seededSizes(databaseUrl: string): Promise<SeededSizes> {
  return await withClient(databaseUrl, async (client) => {
    const admin = await client
      .query('select 1 from users where clerk_user_id = $1 and role = $2', [BENCH_ADMIN_CLERK_ID, 'admin'])
      .catch(() => ({ rowCount: 0 }));
    if (!admin.rowCount) throw new Error('the bench database is not seeded: run `npm run bench:seed` first (see bench/README.md)');
    // Estimates from the last ANALYZE: exact counts of a million rows would cost seconds per run.
    const { rows } = await client.query<{ relname: string; n: string }>(
      `select relname, greatest(reltuples, 0)::bigint as n from pg_class where relname in ('users', 'properties', 'audit_log')`,
    );
    const size = (name: string): number => Number(rows.find((row) => row.relname === name)?.n ?? 0);
    return { users: size('users'), properties: size('properties'), audit: size('audit_log') };
  });
}

/** Random property ids for W2 and W4, and the W3 window: the last 180 days up to the start of the run. */
export async function workloadInputs(databaseUrl: string, sample = 10_000): Promise<WorkloadInputs> {
  const propertyIds = await withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ id: string }>('select id from properties order by random() limit $1', [sample]);
    return rows.map((row) => row.id);
  });
  const to = new Date();
  const from = new Date(to.getTime() - 180 * 24 * 3600 * 1000);
  return { propertyIds, from: from.toISOString(), to: to.toISOString() };
}

export function buildServer(): void {
  console.log('building the server (npm run build)…');
  const result = spawnSync('npm', ['run', '-s', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run build failed (${result.status ?? result.signal})`);
}

async function postJson(url: string, body: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  if (!response.ok || text.includes('"errors"')) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

interface PageAnswer {
  data?: { auditLogs?: { pageInfo?: { hasNextPage?: boolean; endCursor?: string | null } } | null };
}

/**
 * Follows W3's cursors to page 200 once, before anything is measured, and returns the `after` that
 * asks for it: the measured requests then jump straight there, as a client paging on would.
 */
export async function page200After(
  side: 'server' | 'baseline',
  baseUrl: string,
  inputs: WorkloadInputs,
  headers: Record<string, string>,
): Promise<string> {
  let after: string | undefined;
  for (let page = 1; page < 200; page++) {
    const body =
      side === 'server'
        ? graphqlBody(AUDIT_FILTER_QUERY, { from: inputs.from, to: inputs.to, after })
        : JSON.stringify({ from: inputs.from, to: inputs.to, after });
    const answer = (await postJson(`${baseUrl}${side === 'server' ? '/graphql' : '/w3'}`, body, headers)) as PageAnswer;
    const pageInfo = answer.data?.auditLogs?.pageInfo;
    if (!pageInfo?.hasNextPage || !pageInfo.endCursor) {
      throw new Error(`W3 on the ${side} has only ${page} pages of 50 in the window: seed more audit rows`);
    }
    after = pageInfo.endCursor;
  }
  return after!;
}

/** One request, checked: a workload that fails outright is reported, not measured. */
export async function checkOnce(url: string, body: string, headers: Record<string, string>): Promise<void> {
  await postJson(url, body, headers);
}
