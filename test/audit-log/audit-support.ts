import type { EntityManager } from '@mikro-orm/postgresql';
import { runAsSystem } from '../../src/audit-log/system-actor.js';
import { createOrm, type Orm } from '../../src/db/orm.js';
import { Property } from '../../src/properties/property.entity.js';
import type { TestServer } from '../support/server.js';

export interface AuditRow {
  id: string;
  entity_type: string;
  entity_id: string;
  action: string;
  performed_by: number | null;
  performed_at: Date;
  changes: Record<string, { old: unknown; new: unknown }> | null;
  ip_address: string | null;
  user_agent: string | null;
}

/** One entity's entries in the order the API lists them reversed: oldest first, by the (performed_at, id) key. */
export async function entriesOf(server: TestServer, entityType: string, entityId: string): Promise<AuditRow[]> {
  return await server.sql<AuditRow>(
    'select * from audit_log where entity_type = $1 and entity_id = $2 order by performed_at asc, id asc',
    [entityType, entityId],
  );
}

export async function countEntries(server: TestServer, where = 'true', params: unknown[] = []): Promise<number> {
  const [row] = await server.sql<{ n: string }>(`select count(*) as n from audit_log where ${where}`, params);
  return Number(row!.n);
}

/** A property created as the system user; returns its id. */
export async function createProperty(orm: Orm, title = 'Villa', extra: Partial<Pick<Property, 'description' | 'isPublished'>> = {}): Promise<string> {
  return await runAsSystem(orm, async (em) => {
    const property = em.create(Property, { title, ...extra });
    await em.flush();
    return property.id;
  });
}

/** Loads the property in a fresh EntityManager, lets `change` modify it, and flushes, as the system user. */
export async function changeProperty(orm: Orm, id: string, change: (property: Property, em: EntityManager) => void): Promise<void> {
  await runAsSystem(orm, async (em) => {
    const property = await em.findOneOrFail(Property, id);
    change(property, em);
    await em.flush();
  });
}

/** A second ORM on the test file's database, seeing every statement it sends. */
export async function ownOrm(server: TestServer): Promise<{ orm: Orm; statements: string[] }> {
  const statements: string[] = [];
  const orm = await createOrm({ clientUrl: server.databaseUrl, observeQuery: (sql) => statements.push(sql) });
  return { orm, statements };
}
