/**
 * What the audit hook costs a write: 1,000 single-property updates (load, change the title,
 * flush: one transaction each) through an ORM with the hook and through one built without it,
 * on a scratch database of the local PostgreSQL. Prints both times and their ratio.
 *
 *   npm run bench:audit            (BENCH_DATABASE_URL=postgres://… to use another server)
 */
import 'reflect-metadata';
import pg from 'pg';
import { runAsActor } from '../src/audit-log/actor.js';
import { createOrm, migrateUp, type Orm } from '../src/db/orm.js';
import { Property } from '../src/properties/property.entity.js';
import { SYSTEM_USER_CLERK_ID, User } from '../src/users/user.entity.js';

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const UPDATES = 1_000;
const PROPERTIES = 100;
const ROUNDS = 3;

function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** 1,000 updates spread over the properties, each its own load-change-flush; returns milliseconds. */
async function timeUpdates(orm: Orm, ids: string[], label: string): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < UPDATES; i++) {
    const em = orm.em.fork();
    const property = await em.findOneOrFail(Property, ids[i % ids.length]!);
    property.title = `${label} ${i}`;
    await em.flush();
  }
  return performance.now() - started;
}

const database = `bestays_bench_audit_${process.pid}`;
await onServer(`create database "${database}"`);
const withHook = await createOrm({ clientUrl: databaseUrl(database), poolMax: 2 });
const withoutHook = await createOrm({ clientUrl: databaseUrl(database), poolMax: 2, audit: false });
try {
  await migrateUp(withHook);
  const system = await withHook.em.fork().findOneOrFail(User, { clerkUserId: SYSTEM_USER_CLERK_ID });
  const actor = { performerId: system.id, ipAddress: '127.0.0.1', userAgent: 'bench/audit-overhead' };
  const results = await runAsActor(actor, async () => {
    const em = withHook.em.fork();
    const ids = Array.from({ length: PROPERTIES }, (_, i) => em.create(Property, { title: `Bench ${i}` }).id);
    await em.flush();
    // Warm both pools, JITs and PostgreSQL's caches before measuring.
    await timeUpdates(withHook, ids, 'warm-up with');
    await timeUpdates(withoutHook, ids, 'warm-up without');
    const times = { with: [] as number[], without: [] as number[] };
    // Alternate, so that drift on the machine weighs on both sides alike; keep each side's best round.
    for (let round = 0; round < ROUNDS; round++) {
      times.with.push(await timeUpdates(withHook, ids, `with ${round}`));
      times.without.push(await timeUpdates(withoutHook, ids, `without ${round}`));
    }
    return { with: Math.min(...times.with), without: Math.min(...times.without), rounds: times };
  });
  const [{ count }] = (await withHook.em.getConnection().execute<{ count: string }[]>(
    `select count(*) as count from audit_log where entity_type = 'property' and action = 'update'`,
  )) as [{ count: string }];
  console.log(`audit overhead: ${UPDATES} single-property updates, best of ${ROUNDS} alternating rounds`);
  console.log(`  with the audit hook:    ${results.with.toFixed(0)} ms (${(results.with / UPDATES).toFixed(3)} ms/update)`);
  console.log(`  without the audit hook: ${results.without.toFixed(0)} ms (${(results.without / UPDATES).toFixed(3)} ms/update)`);
  console.log(`  ratio with/without:     ${(results.with / results.without).toFixed(2)}x`);
  console.log(`  rounds (ms): with ${results.rounds.with.map((t) => t.toFixed(0)).join(', ')}; without ${results.rounds.without.map((t) => t.toFixed(0)).join(', ')}`);
  console.log(`  audit UPDATE entries written: ${count} (expected ${UPDATES * (ROUNDS + 1)})`);
} finally {
  await withHook.close();
  await withoutHook.close();
  await onServer(`drop database if exists "${database}" with (force)`);
}
