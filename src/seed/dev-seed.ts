import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../db/orm.js';
import { runAsSystem } from '../audit-log/system-actor.js';
import { PropertyService } from '../properties/property.service.js';
import { UserService } from '../users/user.service.js';
import { User } from '../users/user.entity.js';
import { Property } from '../properties/property.entity.js';
import type { Role } from '../users/role.js';
import { SEED_LISTINGS, SEED_USERS, type SeedListing, type SeedStep } from './dev-seed.data.js';

/** A reason the data set cannot be written, for the developer to act on. */
export class SeedError extends Error {
  override name = 'SeedError';
}

export interface SeededUser {
  id: number;
  role: Role;
  email: string;
  clerkUserId: string;
}

export interface SeedOutcome {
  /** False when the data set was there already and nothing was written. */
  written: boolean;
  users: SeededUser[];
  published: number;
  drafts: number;
}

const SEED_CLERK_IDS = SEED_USERS.map((user) => user.clerkUserId);

function describe(user: User): SeededUser {
  return { id: user.id, role: user.role, email: user.email, clerkUserId: user.clerkUserId };
}

async function seedUsers(tx: EntityManager): Promise<Map<string, User>> {
  // The first sign-in creates a user; a role above USER is granted afterwards, as in production.
  for (const seed of SEED_USERS) {
    // The audit entry names its entity, so the id is taken before the flush (as a sign-in does).
    const [row] = await tx.execute<{ id: string }[]>(`select nextval('users_id_seq') as id`);
    tx.create(User, { id: Number(row!.id), clerkUserId: seed.clerkUserId, email: seed.email });
  }
  await tx.flush();
  const created = await tx.find(User, { clerkUserId: { $in: SEED_CLERK_IDS } });
  const users = new UserService(tx);
  for (const seed of SEED_USERS) {
    const user = created.find((candidate) => candidate.clerkUserId === seed.clerkUserId)!;
    await users.setRole(String(user.id), seed.role);
  }
  const refreshed = await tx.find(User, { clerkUserId: { $in: SEED_CLERK_IDS } }, { refresh: true, orderBy: { id: 'asc' } });
  return new Map(refreshed.map((user) => [user.clerkUserId, user]));
}

async function applyStep(tx: EntityManager, actor: User, id: string, step: SeedStep): Promise<void> {
  const properties = new PropertyService(tx, actor);
  switch (step.kind) {
    case 'update':
      await properties.update(id, { title: step.title, description: step.description });
      return;
    case 'publish':
      await properties.publish(id);
      return;
    case 'unpublish':
      await properties.unpublish(id);
      return;
    case 'delete':
      await properties.delete(id);
      return;
    default: {
      const unknown: never = step;
      throw new SeedError(`unknown step ${JSON.stringify(unknown)}`);
    }
  }
}

async function seedListing(tx: EntityManager, users: Map<string, User>, listing: SeedListing): Promise<void> {
  const owner = users.get(listing.owner)!;
  const { id } = await new PropertyService(tx, owner).create({ title: listing.title, description: listing.description });
  for (const step of listing.steps) await applyStep(tx, users.get(step.by ?? listing.owner)!, id, step);
}

/** The listings of the seed agents as they stand now (a developer may have changed them since). */
async function countListings(em: EntityManager, users: SeededUser[]): Promise<Pick<SeedOutcome, 'published' | 'drafts'>> {
  const owners = users.map((user) => user.id);
  const [published, drafts] = await Promise.all([
    em.count(Property, { createdBy: { $in: owners }, isPublished: true }),
    em.count(Property, { createdBy: { $in: owners }, isPublished: false }),
  ]);
  return { published, drafts };
}

/**
 * Writes the development data set through the services, as the system user, in one transaction:
 * every change gets its audit entry from the flush, and a failure leaves nothing behind. When the
 * seed users exist already it writes nothing and reports them.
 */
export async function seedDevelopmentData(orm: Orm): Promise<SeedOutcome> {
  return await runAsSystem(orm, async (em) => {
    const existing = await em.find(User, { clerkUserId: { $in: SEED_CLERK_IDS } }, { orderBy: { id: 'asc' } });
    if (existing.length === SEED_USERS.length) {
      const users = existing.map(describe);
      return { written: false, users, ...(await countListings(em, users)) };
    }
    if (existing.length > 0) {
      const names = existing.map((user) => user.clerkUserId).join(', ');
      throw new SeedError(
        `only some of the development users exist (${names}): the data set was changed by hand. ` +
          'Seed a fresh database (for the embedded one: stop the server, move .data away, start it again).',
      );
    }
    const emailTaken = await em.count(User, { email: { $in: SEED_USERS.map((user) => user.email) } });
    if (emailTaken > 0) throw new SeedError('an account already uses one of the seed emails (@seed.bestays.test)');
    const users = await em.transactional(async (tx) => {
      const seeded = await seedUsers(tx);
      for (const listing of SEED_LISTINGS) await seedListing(tx, seeded, listing);
      return seeded;
    });
    const seeded = [...users.values()].map(describe);
    return { written: true, users: seeded, ...(await countListings(em, seeded)) };
  });
}
