import type { Orm } from '../db/orm.js';

/**
 * Why the database cannot take audited writes yet, or undefined when every migration is applied.
 * Commands write through the audited unit of work, which needs the whole schema; they never
 * migrate themselves.
 */
export async function unmigratedReason(orm: Orm): Promise<string | undefined> {
  const connection = orm.em.getConnection();
  const [row] = await connection.execute<{ present: boolean }[]>(`select to_regclass('mikro_orm_migrations') is not null as present`);
  const pending = row?.present ? await orm.migrator.getPending() : undefined;
  if (pending && pending.length === 0) return undefined;
  const detail = pending ? `${pending.length} migration(s) pending` : 'no migration has been applied';
  return `the database is not migrated (${detail}): run \`npm run migrate\` (or start the server once) first`;
}
