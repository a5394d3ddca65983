import { Reference } from '@mikro-orm/core';
import { Property } from '../properties/property.entity.js';
import { User } from '../users/user.entity.js';
import { Role } from '../users/role.js';

/** How one audited field is named in the schema and shown in `changes`. */
interface AuditedField {
  /** Entity property, also the schema field name. */
  name: string;
  kind: 'scalar' | 'instant' | 'user' | 'role';
}

export interface AuditSpec {
  entityType: string;
  fields: readonly AuditedField[];
  /** Fields whose change alone makes an update a PUBLISH or UNPUBLISH. */
  publishField?: string;
  publishCompanions?: readonly string[];
}

/** The audited entities; auditing another is one entry here. `id`, timestamps and `updatedBy` are never listed. */
export const AUDIT_SPECS = new Map<Function, AuditSpec>([
  [
    Property,
    {
      entityType: 'property',
      fields: [
        { name: 'title', kind: 'scalar' },
        { name: 'description', kind: 'scalar' },
        { name: 'isPublished', kind: 'scalar' },
        { name: 'createdBy', kind: 'user' },
        { name: 'publishedBy', kind: 'user' },
      ],
      publishField: 'isPublished',
      publishCompanions: ['publishedBy'],
    },
  ],
  [
    User,
    {
      entityType: 'user',
      fields: [
        { name: 'clerkUserId', kind: 'scalar' },
        { name: 'email', kind: 'scalar' },
        { name: 'role', kind: 'role' },
      ],
    },
  ],
]);

const ROLE_NAMES = new Map<string, string>(Object.entries(Role).map(([key, value]) => [value, key]));

/** A value as the API shows it: instants as ISO strings, users as id strings, roles by enum name. */
export function toApiValue(kind: AuditedField['kind'], value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (kind) {
    case 'scalar':
      return value;
    case 'instant':
      return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
    case 'user': {
      const unwrapped = Reference.unwrapReference(value as object) as unknown;
      if (unwrapped && typeof unwrapped === 'object' && 'id' in unwrapped) {
        const id = (unwrapped as { id: unknown }).id;
        return id === undefined || id === null ? null : String(id);
      }
      return String(unwrapped);
    }
    case 'role':
      return ROLE_NAMES.get(String(value)) ?? String(value);
  }
}
