import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../db/orm.js';
import { SYSTEM_USER_CLERK_ID, User } from '../users/user.entity.js';
import { runAsActor } from './actor.js';

/** Runs work outside a request (scripts, imports) as the seeded system user, on a fresh EntityManager. */
export async function runAsSystem<T>(orm: Orm, work: (em: EntityManager) => Promise<T>): Promise<T> {
  const em = orm.em.fork();
  const system = await em.findOneOrFail(User, { clerkUserId: SYSTEM_USER_CLERK_ID });
  return await runAsActor({ performerId: system.id, ipAddress: null, userAgent: null }, () => work(em));
}
