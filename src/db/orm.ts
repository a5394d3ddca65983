import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions, type OrmOptionsInput } from './orm-options.js';

export type Orm = MikroORM;

export async function createOrm(input: OrmOptionsInput): Promise<Orm> {
  return await MikroORM.init(ormOptions(input));
}

/** Applies pending migrations; returns the names applied. */
export async function migrateUp(orm: Orm): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((migration) => migration.name);
}

export async function migrateDownOne(orm: Orm): Promise<string[]> {
  const reverted = await orm.migrator.down();
  return reverted.map((migration) => migration.name);
}
