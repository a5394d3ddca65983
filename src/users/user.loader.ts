import type { Ref } from '@mikro-orm/core';
import type { User } from './user.entity.js';

/**
 * The user behind a relation, batched: MikroORM's dataloader gathers every reference loaded in
 * the same tick on the request's EntityManager into one `where id in (...)` query, and users
 * already in its identity map (the viewer, say) cost nothing. Null where the user was deleted.
 */
export async function loadUser(reference: Ref<User> | null): Promise<User | null> {
  if (!reference) return null;
  return await reference.load({ dataloader: true });
}
