import type { Property } from './property.entity.js';
import type { User } from '../users/user.entity.js';
import { Role } from '../users/role.js';
import { creatorIdOf } from '../auth/ownership.js';
import { notYourProperty, propertyNotFound } from './property.errors.js';

/** Which properties a viewer may see; readers turn it into their WHERE. */
export type Visibility =
  | { kind: 'all' }
  | { kind: 'published-or-created-by'; userId: number }
  | { kind: 'published' };

/** Published properties for everyone; an agent also sees its own drafts; an admin sees all. */
export function visibilityFor(viewer: User | null): Visibility {
  if (viewer?.role === Role.ADMIN) return { kind: 'all' };
  if (viewer?.role === Role.AGENT) return { kind: 'published-or-created-by', userId: viewer.id };
  return { kind: 'published' };
}

/**
 * An admin may change any property and an agent its own. Another caller learns nothing it could
 * not see anyway: a published property exists (FORBIDDEN), a draft does not (NOT_FOUND).
 */
export function assertMayChange(property: Property, viewer: User): void {
  if (viewer.role === Role.ADMIN) return;
  if (viewer.role === Role.AGENT && creatorIdOf(property) === viewer.id) return;
  throw property.isPublished ? notYourProperty() : propertyNotFound();
}
