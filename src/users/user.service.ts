import { LockMode, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { User, SYSTEM_USER_CLERK_ID } from './user.entity.js';
import type { Role } from './role.js';
import { malformedUserId, systemUserIsFixed, userNotFound } from './user.errors.js';
import { cursorInteger, decodeCursor, encodeCursor, pageOf, pageSize, type Page } from '../graphql/pagination.js';
import { parseIntegerId } from '../shared/ids.js';

const ORDERING = 'users:id';

/** A user id argument as a number; anything else is BAD_USER_INPUT. */
export function userIdOf(id: string, argument = 'id'): number {
  const parsed = parseIntegerId(id);
  if (parsed === undefined) throw malformedUserId(argument);
  return parsed;
}

export class UserService {
  constructor(private readonly em: EntityManager) {}

  async findById(id: string): Promise<User | null> {
    return await this.em.findOne(User, { id: userIdOf(id) });
  }

  /** Users in sign-up order (serial ids), optionally of one role. */
  async list(args: { first?: number | null; after?: string | null; role?: Role | null }): Promise<Page<User>> {
    const first = pageSize(args.first, 20);
    const where: FilterQuery<User> = args.role ? { role: args.role } : {};
    const afterId = args.after != null ? cursorInteger(decodeCursor(args.after, ORDERING, 1)[0]) : undefined;
    const rows = await this.em.find(
      User,
      afterId === undefined ? where : { $and: [where, { id: { $gt: afterId } }] },
      { orderBy: { id: 'asc' }, limit: first + 1 },
    );
    return pageOf(
      rows,
      first,
      afterId !== undefined,
      (user) => ({ cursor: encodeCursor(ORDERING, [user.id]), node: user }),
      () => this.em.count(User, where),
    );
  }

  /** Changes the role (audited by the flush); the same role again writes nothing. */
  async setRole(id: string, role: Role): Promise<User> {
    const userId = userIdOf(id);
    return await this.em.transactional(async (tx) => {
      const user = await tx.findOne(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (!user) throw userNotFound();
      if (user.role === role) return user;
      if (user.clerkUserId === SYSTEM_USER_CLERK_ID) throw systemUserIsFixed();
      user.role = role;
      return user;
    });
  }
}
