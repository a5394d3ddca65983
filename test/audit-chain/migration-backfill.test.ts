import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createOrm, migrateDownOne, migrateUp, type Orm } from '../../src/db/orm.js';
import { chainEntriesSql, problemOf, type ChainEntryRow } from '../../src/audit-log/audit-chain-check.js';
import { createDatabase, dropDatabase, uniqueDatabaseName, withClient } from '../support/databases.js';

describe('the audit_chain migration on a log that already holds entries', () => {
  const maintenanceUrl = inject('maintenanceUrl');
  const databaseName = uniqueDatabaseName('bestays_backfill');
  let databaseUrl: string;
  let orm: Orm;

  beforeAll(async () => {
    databaseUrl = await createDatabase(maintenanceUrl, databaseName);
    orm = await createOrm({ clientUrl: databaseUrl });
    await migrateUp(orm);
    // The migrations after it go first.
    expect(await migrateDownOne(orm)).toEqual(['Migration20261130023915_audit_feed']);
    expect(await migrateDownOne(orm)).toEqual(['Migration20261130015535_audit_chain']);
    // Entries as the log held them before the chain: out of insertion order in time, two entities.
    await withClient(databaseUrl, (client) =>
      client.query(
        `insert into audit_log (id, entity_type, entity_id, action, performed_by, performed_at, changes)
         select gen_random_uuid(), 'property', 'entity-' || (g % 2), 'update', 1,
                timestamptz '2026-01-01T00:00:00Z' + make_interval(secs => (7 * g) % 11), jsonb_build_object('n', g)
         from generate_series(1, 10) g`,
      ),
    );
    await migrateUp(orm);
  });
  afterAll(async () => {
    await orm.close();
    await dropDatabase(maintenanceUrl, databaseName);
  });

  it('chains each entity in performed_at order, every link and hash as the verifier recomputes it', async () => {
    const rows = await withClient(databaseUrl, async (client) => (await client.query<ChainEntryRow>(chainEntriesSql(false))).rows);
    expect(rows).toHaveLength(10);
    expect(rows.map(problemOf).filter(Boolean)).toEqual([]);
    const ordered = await withClient(databaseUrl, async (client) =>
      (await client.query<{ in_time_order: boolean }>(
        `select bool_and(ok) as in_time_order from (
           select performed_at >= lag(performed_at, 1, '-infinity') over (partition by entity_id order by seq) as ok from audit_log) s`,
      )).rows[0]!.in_time_order,
    );
    expect(ordered).toBe(true);
  });

  it('continues the backfilled chains with new entries', async () => {
    await withClient(databaseUrl, (client) =>
      client.query(
        `insert into audit_log (id, entity_type, entity_id, action, performed_by, changes) values (gen_random_uuid(), 'property', 'entity-0', 'update', null, '{}')`,
      ),
    );
    const rows = await withClient(databaseUrl, async (client) =>
      (await client.query<ChainEntryRow>(chainEntriesSql(true), ['property', 'entity-0'])).rows,
    );
    expect(rows.map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows.map(problemOf).filter(Boolean)).toEqual([]);
  });

  it('goes down again with chained entries in the log', async () => {
    expect(await migrateDownOne(orm)).toEqual(['Migration20261130023915_audit_feed']);
    expect(await migrateDownOne(orm)).toEqual(['Migration20261130015535_audit_chain']);
    await migrateUp(orm);
  });
});
