/**
 * `npm run bench:seed -- --users 1000 --properties 100000 --audit 1000000 [--fresh]`
 *
 * Fills the bench database with set-based SQL (generate_series, INSERT … SELECT): one statement per
 * table, so a million audit rows take seconds rather than the minutes a row-by-row client would.
 * audit_log refuses UPDATE/DELETE/TRUNCATE, so re-seeding means a new database: `--fresh` drops and
 * recreates it.
 */
import type pg from 'pg';
import { createOrm, migrateUp } from '../src/db/orm.js';
import { ensureDatabase } from '../src/db/database.js';
import { assertKnownFlags, boolFlag, intFlag, parseFlags } from './flags.js';
import {
  BENCH_ADMIN_CLERK_ID,
  BENCH_ADMIN_EMAIL,
  assertLoopback,
  benchDatabaseUrl,
  databaseNameOf,
  maintenanceUrlOf,
  withClient,
} from './bench-database.js';

interface SeedSizes {
  users: number;
  properties: number;
  audit: number;
}

/**
 * A time-ordered (v7-shaped) uuid for an instant, as the application makes them: the first 48 bits
 * are the milliseconds, so ids inserted in time order append to the primary key index.
 * gen_random_uuid() already carries the variant bits; only the time and version nibble are set.
 */
const UUID7_FUNCTION = `
create function pg_temp.seed_uuid7(ts timestamptz) returns uuid language sql volatile as $$
  select overlay(overlay(replace(gen_random_uuid()::text, '-', '')
    placing lpad(to_hex((extract(epoch from ts) * 1000)::bigint), 12, '0') from 1 for 12)
    placing '7' from 13 for 1)::uuid
$$`;

function usersSql(count: number): string {
  // Row 1 is the admin the bench signs in as; 1% admins, 30% agents, the rest plain users.
  return `
    insert into users (clerk_user_id, email, role, created_at, updated_at)
    select case when g = 1 then '${BENCH_ADMIN_CLERK_ID}' else format('bench_user_%s', lpad(g::text, 6, '0')) end,
           case when g = 1 then '${BENCH_ADMIN_EMAIL}' else format('user%s@bench.bestays.app', g) end,
           case when g = 1 or g % 100 = 0 then 'admin' when g % 10 in (1, 2, 3) then 'agent' else 'user' end,
           ts, ts
    from (select g, now() - random() * interval '365 days' as ts from generate_series(1, ${count}) g) s`;
}

/**
 * The properties are first built in a temporary table numbered 1..n, so that the audit rows can be
 * joined to "property number (g mod n)" without a sort. Volatile random() in a subquery's select list
 * keeps PostgreSQL from flattening it, so each row draws its own values once.
 */
function propertiesTempSql(count: number): string {
  return `
    create temp table seed_property as
    select n, pg_temp.seed_uuid7(created_at) as id,
           format('%s %s in %s', kind, n, area) as title,
           format('A %s in %s with %s bedrooms, %s m² and a view of the %s.', lower(kind), area, 1 + n % 5, 40 + n % 260,
                  (array['rice fields', 'ocean', 'jungle', 'volcano', 'garden'])[1 + n % 5]) as description,
           is_published, created_at, created_at + random() * (now() - created_at) as updated_at, created_by
    from (
      select n,
             (array['Villa', 'Apartment', 'Bungalow', 'Loft', 'Guesthouse', 'Cabin'])[1 + n % 6] as kind,
             (array['Canggu', 'Ubud', 'Seminyak', 'Uluwatu', 'Sanur', 'Amed', 'Lovina'])[1 + (n / 6) % 7] as area,
             random() < 0.7 as is_published,
             now() - random() * interval '365 days' as created_at,
             agents[1 + floor(random() * cardinality(agents))::int] as created_by
      from generate_series(1, ${count}) n,
           (select array_agg(id order by id) as agents from users where role = 'agent' and clerk_user_id like 'bench\\_%') a
    ) s;
    alter table seed_property add primary key (n);
    analyze seed_property`;
}

const PROPERTIES_SQL = `
  insert into properties (id, title, description, is_published, created_at, updated_at, created_by, updated_by, published_by)
  select id, title, description, is_published, created_at, updated_at, created_by, created_by,
         case when is_published then created_by end
  from seed_property order by n`;

/**
 * Entry g belongs to property ((g - 1) mod n) + 1: the first n entries are the CREATEs at each
 * property's creation, the rest a mix of updates (70%), publishes and unpublishes at later instants,
 * made by the creator (80%) or an admin. `changes` has the contract's shape, keyed by schema field.
 */
function auditTempSql(properties: number, count: number): string {
  return `
    create temp table seed_audit as
    select e.*, (row_number() over (partition by e.entity_id order by e.performed_at, e.id))::int as seq
    from (
    select pg_temp.seed_uuid7(performed_at) as id, 'property'::varchar(50) as entity_type, id::text as entity_id, action, performed_by, performed_at,
           case action
             when 'create' then jsonb_build_object(
               'title', jsonb_build_object('old', null, 'new', title),
               'description', jsonb_build_object('old', null, 'new', description),
               'isPublished', jsonb_build_object('old', null, 'new', false),
               'createdBy', jsonb_build_object('old', null, 'new', created_by::text),
               'publishedBy', jsonb_build_object('old', null, 'new', null))
             when 'update' then case when g % 4 = 0
               then jsonb_build_object('description', jsonb_build_object('old', 'Draft: ' || description, 'new', description))
               else jsonb_build_object('title', jsonb_build_object('old', title || ' (draft ' || g || ')', 'new', title)) end
             when 'publish' then jsonb_build_object(
               'isPublished', jsonb_build_object('old', false, 'new', true),
               'publishedBy', jsonb_build_object('old', null, 'new', performed_by::text))
             else jsonb_build_object('isPublished', jsonb_build_object('old', true, 'new', false))
           end as changes,
           format('10.%s.%s.%s', g % 256, (g / 256) % 256, 1 + g % 250)::varchar(45) as ip_address,
           (array['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
                  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36',
                  'bestays-admin/1.4 (iOS 17.5)'])[1 + g % 3] as user_agent
    from (
      select g, p.id, p.title, p.description, p.created_by,
             case when g <= ${properties} then 'create' when r < 0.7 then 'update' when r < 0.85 then 'publish' else 'unpublish' end as action,
             case when g <= ${properties} then p.created_at else p.created_at + r2 * (now() - p.created_at) end as performed_at,
             case when g <= ${properties} or r3 < 0.8 then p.created_by else admins[1 + floor(r3 * 1000)::int % cardinality(admins)] end as performed_by
      from (select g, random() as r, random() as r2, random() as r3 from generate_series(1, ${count}) g) gs
      join seed_property p on p.n = (gs.g - 1) % ${properties} + 1
      cross join (select array_agg(id order by id) as admins from users where role = 'admin' and clerk_user_id like 'bench\\_%') a
    ) s
    ) e;
    create unique index on seed_audit (entity_id, seq);
    analyze seed_audit`;
}

/**
 * The loader bypasses the triggers (session_replication_role = replica), so it computes what the
 * chain trigger would: each entity's entries numbered in (performed_at, id) order and hashed with
 * the database's own audit_log_entry_hash, one link per step of the recursion (a step per seq, each
 * joining every entity's next entry through the temporary table's index).
 */
const CHAINED_AUDIT_SQL = `
  insert into audit_log (id, entity_type, entity_id, action, performed_by, performed_at, changes, ip_address, user_agent,
                         actor_id, seq, previous_hash, hash)
  with recursive chain as (
    select s.*, null::text as previous_hash,
           audit_log_entry_hash(null, s.entity_type, s.entity_id, s.action, s.changes, s.performed_by, s.performed_at, s.ip_address, s.user_agent) as hash
    from seed_audit s where s.seq = 1
    union all
    select s.*, c.hash,
           audit_log_entry_hash(c.hash, s.entity_type, s.entity_id, s.action, s.changes, s.performed_by, s.performed_at, s.ip_address, s.user_agent)
    from chain c join seed_audit s on s.entity_id = c.entity_id and s.seq = c.seq + 1
  )
  select id, entity_type, entity_id, action, performed_by, performed_at, changes, ip_address, user_agent,
         performed_by, seq, previous_hash, hash
  from chain`;

/** What the chain trigger keeps for each entity: its newest link. */
const AUDIT_HEADS_SQL = `
  insert into audit_log_head (entity_type, entity_id, seq, previous_hash, hash)
  select distinct on (entity_type, entity_id) entity_type, entity_id, seq, previous_hash, hash
  from audit_log order by entity_type, entity_id, seq desc`;

/**
 * Builds a table's secondary indexes once after the load instead of maintaining them row by row
 * (the GIN indexes above all): several times faster for a bulk load. Runs in one transaction, so a
 * failed load leaves the migrated indexes in place. Definitions are read back from pg_indexes, so
 * they stay exactly the migration's.
 */
async function withIndexesRebuilt(client: pg.Client, table: string, load: () => Promise<unknown>): Promise<void> {
  const { rows } = await client.query<{ name: string; definition: string }>(
    `select i.indexname as name, i.indexdef as definition from pg_indexes i
     where i.schemaname = 'public' and i.tablename = $1
       and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
    [table],
  );
  await client.query('begin');
  try {
    for (const index of rows) await client.query(`drop index ${client.escapeIdentifier(index.name)}`);
    await timed(`${table}: insert`, load);
    await timed(`${table}: ${rows.length} indexes`, async () => {
      for (const index of rows) await client.query(index.definition);
    });
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}

async function timed(label: string, work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  console.log(`  ${label.padEnd(36)} ${(ms / 1000).toFixed(1).padStart(6)} s`);
  return ms;
}

async function prepareDatabase(url: string, fresh: boolean): Promise<void> {
  const name = databaseNameOf(url);
  const maintenance = maintenanceUrlOf(url);
  if (fresh) {
    await withClient(maintenance, (client) => client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`));
  }
  await ensureDatabase(maintenance, name);
  const orm = await createOrm({ clientUrl: url });
  try {
    const applied = await migrateUp(orm);
    if (applied.length > 0) console.log(`migrations applied: ${applied.join(', ')}`);
  } finally {
    await orm.close();
  }
}

async function assertEmpty(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ users: number; properties: number; audit: number }>(
    `select (select count(*) from users where clerk_user_id like 'bench\\_%')::int as users,
            (select count(*) from properties)::int as properties,
            (select count(*) from audit_log)::int as audit`,
  );
  const row = rows[0]!;
  if (row.users + row.properties + row.audit > 0) {
    throw new Error(
      `the database already holds data (${row.users} bench users, ${row.properties} properties, ${row.audit} audit rows); ` +
        'audit_log cannot be emptied, so re-seed into a new database: add --fresh (drops and recreates it)',
    );
  }
}

async function seed(client: pg.Client, sizes: SeedSizes): Promise<void> {
  // A seed that dies half-way is re-run with --fresh; per-commit fsync buys nothing here.
  await client.query(`set synchronous_commit = off`);
  // A privileged bulk loader, as the contract allows (pg_restore --disable-triggers does the same):
  // no completeness check per row and no chain trigger; the chain is computed below instead.
  await client.query(`set session_replication_role = replica`);
  await client.query(`set maintenance_work_mem = '256MB'`);
  await client.query(`set work_mem = '64MB'`);
  await client.query(UUID7_FUNCTION);
  const total = performance.now();
  await timed(`users (${sizes.users})`, () => client.query(usersSql(sizes.users)));
  await timed(`properties (${sizes.properties})`, async () => {
    await client.query(propertiesTempSql(sizes.properties));
    await withIndexesRebuilt(client, 'properties', () => client.query(PROPERTIES_SQL));
  });
  if (sizes.properties > 0) {
    await timed(`audit_log (${sizes.audit})`, () =>
      withIndexesRebuilt(client, 'audit_log', async () => {
        await client.query(auditTempSql(sizes.properties, sizes.audit));
        await client.query(CHAINED_AUDIT_SQL);
        await client.query(AUDIT_HEADS_SQL);
      }),
    );
  }
  // Fresh statistics and visibility maps: without them the first plans are guesses and index-only scans are off.
  await timed('vacuum analyze', async () => {
    for (const table of ['users', 'properties', 'audit_log']) await client.query(`vacuum (analyze) ${table}`);
  });
  console.log(`  ${'total'.padEnd(36)} ${((performance.now() - total) / 1000).toFixed(1).padStart(6)} s`);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  assertKnownFlags(flags, ['users', 'properties', 'audit', 'fresh']);
  const sizes: SeedSizes = {
    users: intFlag(flags, 'users', 1_000, 2),
    properties: intFlag(flags, 'properties', 100_000),
    audit: intFlag(flags, 'audit', 1_000_000),
  };
  if (sizes.audit < sizes.properties) throw new Error('--audit must be at least --properties (every property has its CREATE entry)');
  const url = benchDatabaseUrl();
  assertLoopback(url);
  console.log(`seeding ${databaseNameOf(url)}: ${sizes.users} users, ${sizes.properties} properties, ${sizes.audit} audit rows`);
  const started = performance.now();
  await prepareDatabase(url, boolFlag(flags, 'fresh'));
  console.log(`  ${'database + migrations'.padEnd(36)} ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s`);
  await withClient(url, async (client) => {
    await assertEmpty(client);
    await seed(client, sizes);
  });
}

main().catch((error: unknown) => {
  console.error(`seed failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
