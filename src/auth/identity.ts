import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { User, SYSTEM_USER_CLERK_ID } from '../users/user.entity.js';
import { Role } from '../users/role.js';
import { runAsActor } from '../audit-log/actor.js';
import { AuthError, invalidToken } from './auth.errors.js';
import type { VerifiedToken } from './token.js';

export interface RequestOrigin {
  ipAddress: string | null;
  userAgent: string | null;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function usableEmail(email: string | undefined): string | undefined {
  const trimmed = email?.trim();
  return trimmed && trimmed.length <= 255 && EMAIL_PATTERN.test(trimmed) ? trimmed : undefined;
}

/**
 * The user a verified token names: found by `clerk_user_id`, or created on the first sign-in
 * (role user, audited as performed by that user). Safe under concurrent first requests: the
 * unique key decides, and the loser reads the winner's row.
 */
export async function resolveViewer(em: EntityManager, token: VerifiedToken, origin: RequestOrigin): Promise<User> {
  if (token.subject === SYSTEM_USER_CLERK_ID) throw invalidToken('the system user cannot sign in');
  if (token.subject.length > 255) throw invalidToken('its subject is too long');
  const existing = await em.findOne(User, { clerkUserId: token.subject });
  if (existing) return existing;

  const email = usableEmail(token.email);
  if (!email) {
    throw new AuthError('UNAUTHENTICATED', 'The token has no usable "email" claim, which a first sign-in needs.');
  }
  try {
    await em.transactional(async (tx) => {
      // The id is taken before the flush so that the audit entry can name the new user as its actor.
      const [row] = await tx.execute<{ id: string }[]>(`select nextval('users_id_seq') as id`);
      const id = Number(row!.id);
      tx.create(User, { id, clerkUserId: token.subject, email, role: Role.USER });
      await runAsActor({ performerId: id, ...origin }, () => tx.flush());
    });
  } catch (error) {
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
  }
  const created = await em.findOne(User, { clerkUserId: token.subject }, { refresh: true });
  if (!created) {
    throw new AuthError('UNAUTHENTICATED', 'The email in this token already belongs to another account.');
  }
  return created;
}
