import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createOrm, migrateDownOne, migrateUp, type Orm } from '../../src/db/orm.js';
import { createDatabase, dropDatabase, uniqueDatabaseName, withClient } from '../support/databases.js';

const execFileAsync = promisify(execFile);

/** Everything `pg_dump --schema-only` would print that the migrations own, in a stable order. */
const SCHEMA_SNAPSHOT_SQL = `
  select 'column' as kind, table_name || '.' || column_name || ' ' || data_type || ' ' ||
         coalesce(character_maximum_length::text, '') || ' ' || is_nullable || ' ' || coalesce(column_default, '') as definition
    from information_schema.columns where table_schema = 'public' and table_name <> 'mikro_orm_migrations'
  union all select 'index', indexdef from pg_indexes where schemaname = 'public' and tablename <> 'mikro_orm_migrations'
  union all select 'constraint', conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    from pg_constraint where connamespace = 'public'::regnamespace and conrelid <> 'mikro_orm_migrations'::regclass
  union all select 'trigger', pg_get_triggerdef(oid) from pg_trigger where not tgisinternal
  union all select 'function', pg_get_functiondef(oid) from pg_proc where pronamespace = 'public'::regnamespace and prokind = 'f'
  union all select 'extension', extname from pg_extension where extname <> 'plpgsql'
  union all select 'comment', c.relname || coalesce('.' || a.attname, '') || ' ' || d.description
    from pg_description d join pg_class c on c.oid = d.objoid
    left join pg_attribute a on a.attrelid = c.oid and a.attnum = d.objsubid and d.objsubid > 0
    where c.relnamespace = 'public'::regnamespace
  union all select 'sequence', sequence_name from information_schema.sequences
    where sequence_schema = 'public' and sequence_name <> 'mikro_orm_migrations_id_seq'
  order by 1, 2`;

describe('migrations', () => {
  const maintenanceUrl = inject('maintenanceUrl');
  const databaseName = uniqueDatabaseName('bestays_migrations');
  let databaseUrl: string;
  let orm: Orm;

  const snapshot = async (): Promise<string[]> =>
    await withClient(databaseUrl, async (client) =>
      (await client.query<{ kind: string; definition: string }>(SCHEMA_SNAPSHOT_SQL)).rows.map(
        (row) => `${row.kind}: ${row.definition}`,
      ),
    );

  beforeAll(async () => {
    databaseUrl = await createDatabase(maintenanceUrl, databaseName);
    orm = await createOrm({ clientUrl: databaseUrl });
  });
  afterAll(async () => {
    await orm.close();
    await dropDatabase(maintenanceUrl, databaseName);
  });

  it('go up, down to nothing and up again to the same schema', async () => {
    await migrateUp(orm);
    const first = await snapshot();
    expect(first.some((line) => line.startsWith('trigger: CREATE TRIGGER refuse_truncate'))).toBe(true);

    while ((await migrateDownOne(orm)).length > 0);
    expect(await snapshot()).toEqual([]);

    await migrateUp(orm);
    expect(await snapshot()).toEqual(first);
  });

  it('create the tables, keys and indexes that outside tools query by name', async () => {
    await migrateUp(orm);
    const lines = (await snapshot()).join('\n');
    for (const name of [
      'fk_properties_created_by',
      'fk_properties_updated_by',
      'fk_properties_published_by',
      'fk_audit_log_performed_by',
      'idx_properties_is_published',
      'idx_properties_created_by',
      'idx_audit_log_entity',
      'idx_audit_log_performed_by',
      'idx_audit_log_performed_at',
    ]) {
      expect(lines).toContain(name);
    }
    expect(lines).toContain('users.role character varying 20 NO');
    expect(lines).toContain('audit_log.entity_id character varying 64 NO');
    expect(lines).toMatch(/fk_properties_created_by FOREIGN KEY \(created_by\) REFERENCES users\(id\) ON DELETE SET NULL/);
  });

  it('seed the system user once, however often they run', async () => {
    await migrateUp(orm);
    await migrateUp(orm);
    const rows = await withClient(databaseUrl, async (client) =>
      (await client.query(`select email, role from users where clerk_user_id = 'system_00000000000000000000'`)).rows,
    );
    expect(rows).toEqual([{ email: 'system@bestays.app', role: 'admin' }]);
  });

  it('run from npm run migrate and npm run migrate:down', async () => {
    const name = uniqueDatabaseName('bestays_migrate_cli');
    const url = await createDatabase(maintenanceUrl, name);
    try {
      const run = (direction: string) =>
        execFileAsync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/db/migrate.cli.ts', direction], {
          env: { ...process.env, DATABASE_URL: url },
        });
      expect((await run('up')).stdout).toMatch(/applied: Migration\d+_initial/);
      expect((await run('up')).stdout).toMatch(/nothing to do/);
      const newest = (await readdir(new URL('../../migrations/', import.meta.url)))
        .filter((file) => /^Migration\d+_\w+\.ts$/.test(file))
        .sort()
        .at(-1)!
        .replace(/\.ts$/, '');
      expect((await run('down')).stdout).toContain(`reverted: ${newest}`);
    } finally {
      await dropDatabase(maintenanceUrl, name);
    }
  });
});
