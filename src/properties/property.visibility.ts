import type { FilterQuery } from '@mikro-orm/core';
import type { Property } from './property.entity.js';
import type { User } from '../users/user.entity.js';
import { Role } from '../users/role.js';

/** Published properties for everyone; an agent also sees its own drafts; an admin sees all. */
export function visibleTo(viewer: User | null): FilterQuery<Property> {
  if (viewer?.role === Role.ADMIN) return {};
  if (viewer?.role === Role.AGENT) return { $or: [{ isPublished: true }, { createdBy: viewer.id }] };
  return { isPublished: true };
}
