import DataLoader from 'dataloader';
import { Reference, wrap, type Ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { User } from './user.entity.js';
import { USER_COLUMNS, userFromRow, type UserRow } from './user.row.js';

// One loader per request: keyed by the request's EntityManager fork, gone with it.
const loaders = new WeakMap<EntityManager, DataLoader<number, User | null>>();

function loaderFor(em: EntityManager): DataLoader<number, User | null> {
  let loader = loaders.get(em);
  if (!loader) {
    loader = new DataLoader(async (ids) => {
      const rows = await em
        .createQueryBuilder(User, 'u')
        .select(USER_COLUMNS)
        .where({ id: { $in: [...ids] } })
        .execute<UserRow[]>('all', false);
      const byId = new Map(rows.map((row) => [row.id, userFromRow(row)]));
      return ids.map((id) => byId.get(id) ?? null);
    });
    loaders.set(em, loader);
  }
  return loader;
}

/**
 * The user behind a relation, batched: every user asked for in the same tick comes from one
 * `where id in (...)` query on the request's EntityManager, and a user already loaded (the viewer,
 * say) costs nothing. Null where the user was deleted. A hand-made DataLoader rather than
 * MikroORM's: that one re-imports its module on the first load of every EntityManager fork,
 * which is one per request.
 */
export async function loadUser(em: EntityManager, reference: Ref<User> | null): Promise<User | null> {
  if (!reference) return null;
  const user = Reference.unwrapReference(reference);
  if (wrap(user).isInitialized()) return user;
  return await loaderFor(em).load(user.id);
}
