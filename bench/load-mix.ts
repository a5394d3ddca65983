/**
 * `npm run bench:load-mix -- [--clients 200] [--seconds 30] [--workers 1]`: many concurrent clients mixing reads
 * and writes against the built server on a fresh database. Checks what must hold under load: no
 * 5xx, no unhandled rejection, audit rows that match the successful writes exactly, memory that
 * settles. Exits non-zero when one of those fails.
 */
import { SignJWT } from 'jose';
import { setTimeout as sleep } from 'node:timers/promises';
import { createOrm } from '../src/db/orm.js';
import { migrateUp } from '../src/db/orm.js';
import { runAsSystem } from '../src/audit-log/system-actor.js';
import { User } from '../src/users/user.entity.js';
import { Role } from '../src/users/role.js';
import { assertKnownFlags, intFlag, parseFlags } from './flags.js';
import { assertLoopback, BENCH_JWT_SECRET, maintenanceUrlOf, withClient } from './bench-database.js';
import { startBuiltServer, type BenchProcess } from './processes.js';
import { buildServer } from './setup.js';

const flags = parseFlags(process.argv.slice(2));
assertKnownFlags(flags, ['clients', 'seconds', 'agents', 'write-share', 'workers']);
const CLIENTS = intFlag(flags, 'clients', 200, 1);
const SECONDS = intFlag(flags, 'seconds', 30, 1);
const AGENTS = intFlag(flags, 'agents', 20, 1);
const WRITE_PERCENT = intFlag(flags, 'write-share', 30, 0);
/** WEB_CONCURRENCY of the server: its memory samples are then the sum over the primary and its workers. */
const WORKERS = intFlag(flags, 'workers', 1, 1);

const base = process.env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
assertLoopback(base);
const databaseName = `bestays_load_${process.pid}`;
const databaseUrl = (() => {
  const url = new URL(base);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();

interface Tally {
  requests: number;
  writesOk: number;
  readsOk: number;
  byStatus: Map<number, number>;
  byCode: Map<string, number>;
  latenciesMs: number[];
}

async function token(subject: string): Promise<string> {
  return await new SignJWT({ email: `${subject}@load.bestays.app` })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(BENCH_JWT_SECRET));
}

async function graphql(url: string, bearer: string | undefined, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
  return { status: response.status, body };
}

const LIST = 'query List($after: String) { properties(first: 20, after: $after) { nodes { id title isPublished updatedAt } pageInfo { endCursor } } }';
const DETAIL = 'query Detail($id: ID!) { property(id: $id) { id title description isPublished updatedAt } }';
const RENAME = 'mutation Rename($id: ID!, $title: String!) { updateProperty(id: $id, input: { title: $title }) { id title } }';

async function main(): Promise<void> {
  await withClient(maintenanceUrlOf(databaseUrl), (client) => client.query(`create database ${databaseName}`));
  let server: BenchProcess | undefined;
  try {
    const orm = await createOrm({ clientUrl: databaseUrl });
    await migrateUp(orm);
    buildServer();
    server = await startBuiltServer({ databaseUrl, jwtSecret: BENCH_JWT_SECRET, workers: WORKERS });
    const url = server.url;

    const agents = await Promise.all(
      Array.from({ length: AGENTS }, async (_, i) => {
        const bearer = await token(`load_agent_${i}`);
        await graphql(url, bearer, '{ me { id } }', {});
        return bearer;
      }),
    );
    await runAsSystem(orm, async (em) => {
      const users = await em.find(User, { clerkUserId: { $like: 'load_agent_%' } });
      for (const user of users) user.role = Role.AGENT;
      await em.flush();
    });
    const owned = await Promise.all(
      agents.map(async (bearer, i) => {
        const ids: string[] = [];
        for (let n = 0; n < 5; n++) {
          const { body } = await graphql(url, bearer, 'mutation($t: String!) { createProperty(input: { title: $t, isPublished: true }) { id } }', { t: `Home ${i}-${n}` });
          ids.push((body.data?.createProperty as { id: string }).id);
        }
        return ids;
      }),
    );
    const allIds = owned.flat();
    const [{ count: auditBefore } = { count: 0 }] = await withClient(databaseUrl, async (c) => (await c.query<{ count: number }>(`select count(*)::int as count from audit_log`)).rows);

    const tally: Tally = { requests: 0, writesOk: 0, readsOk: 0, byStatus: new Map(), byCode: new Map(), latenciesMs: [] };
    const memory: number[] = [];
    const deadline = Date.now() + SECONDS * 1000;
    let sequence = 0;
    const sampler = (async () => {
      while (Date.now() < deadline) {
        memory.push((await server!.memory()).rssMb);
        await sleep(2_000);
      }
    })();
    const client = async (index: number): Promise<void> => {
      const agent = index % AGENTS;
      while (Date.now() < deadline) {
        const n = sequence++;
        const write = (n * 7919) % 100 < WRITE_PERCENT;
        const started = performance.now();
        const { status, body } = write
          ? await graphql(url, agents[agent], RENAME, { id: owned[agent]![n % 5], title: `Load ${n}` })
          : n % 2 === 0
            ? await graphql(url, undefined, LIST, {})
            : await graphql(url, agents[agent], DETAIL, { id: allIds[n % allIds.length] });
        tally.latenciesMs.push(performance.now() - started);
        tally.requests++;
        tally.byStatus.set(status, (tally.byStatus.get(status) ?? 0) + 1);
        for (const error of body.errors ?? []) {
          const code = error.extensions?.code ?? 'none';
          tally.byCode.set(code, (tally.byCode.get(code) ?? 0) + 1);
        }
        if (!body.errors && write) tally.writesOk++;
        if (!body.errors && !write) tally.readsOk++;
      }
    };
    await Promise.all([sampler, ...Array.from({ length: CLIENTS }, (_, i) => client(i))]);

    const [{ count: auditAfter } = { count: 0 }] = await withClient(databaseUrl, async (c) => (await c.query<{ count: number }>(`select count(*)::int as count from audit_log`)).rows);
    const auditWritten = auditAfter - auditBefore;
    const sorted = [...tally.latenciesMs].sort((a, b) => a - b);
    const percentile = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
    const serverErrors = [...tally.byStatus.entries()].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
    const exitCode = await server.stop();
    const unhandled = /unhandled|uncaught/i.test(server.output());
    server = undefined;
    await orm.close();

    const half = Math.floor(memory.length / 2);
    const firstHalfPeak = Math.max(...memory.slice(0, half));
    const secondHalfPeak = Math.max(...memory.slice(half));
    console.log(
      `\nload mix: ${CLIENTS} clients for ${SECONDS} s, ${WRITE_PERCENT}% writes (updateProperty), the rest listings and details; ` +
        `${WORKERS} server process${WORKERS > 1 ? 'es (cluster workers)' : ''}`,
    );
    console.log(`requests        ${tally.requests} (${(tally.requests / SECONDS).toFixed(0)} req/s); p50 ${percentile(0.5).toFixed(1)} ms, p99 ${percentile(0.99).toFixed(1)} ms`);
    console.log(`statuses        ${JSON.stringify(Object.fromEntries(tally.byStatus))}; error codes ${JSON.stringify(Object.fromEntries(tally.byCode))}`);
    console.log(`writes ok       ${tally.writesOk}; audit rows written ${auditWritten}`);
    console.log(`server RSS MB   samples ${memory.map((m) => m.toFixed(0)).join(' ')}; first-half peak ${firstHalfPeak.toFixed(0)}, second-half peak ${secondHalfPeak.toFixed(0)}`);
    console.log(`server exit     ${exitCode}; unhandled rejection in its log: ${unhandled ? 'yes' : 'no'}`);
    const failures = [
      serverErrors > 0 && `${serverErrors} responses with a 5xx status`,
      auditWritten !== tally.writesOk && `audit rows (${auditWritten}) differ from successful writes (${tally.writesOk})`,
      unhandled && 'the server logged an unhandled rejection',
      exitCode !== 0 && `the server exited with ${exitCode}`,
      secondHalfPeak > firstHalfPeak * 1.5 && 'memory kept growing',
    ].filter(Boolean);
    console.log(failures.length ? `FAIL: ${failures.join('; ')}` : 'PASS: no 5xx, audit rows match the writes, memory steady, clean exit');
    process.exitCode = failures.length ? 1 : 0;
  } finally {
    await server?.stop();
    await withClient(maintenanceUrlOf(databaseUrl), (client) => client.query(`drop database if exists ${databaseName} with (force)`));
  }
}

await main();
