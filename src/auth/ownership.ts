import { Reference } from '@mikro-orm/core';
import { Property } from '../properties/property.entity.js';
import { PropertyRecord } from '../properties/property.record.js';
import { User } from '../users/user.entity.js';
import { UserRecord } from '../users/user.row.js';

/** The owner of a Property is its creator; of a User, that user. Other types have no owner. */
export function ownerIdOf(typeName: string, source: unknown): number | undefined {
  if (typeName === 'Property' && source instanceof Property) return creatorIdOf(source);
  if (typeName === 'Property' && source instanceof PropertyRecord) return source.actorIds.createdBy ?? undefined;
  if (typeName === 'User' && (source instanceof User || source instanceof UserRecord)) return source.id;
  return undefined;
}

/** Who the owner is, as a FORBIDDEN message names it; undefined for a type without an owner. */
export function ownerDescriptionOf(typeName: string): string | undefined {
  if (typeName === 'Property') return 'the agent who created this property';
  if (typeName === 'User') return 'this user';
  return undefined;
}

export function creatorIdOf(property: Property): number | undefined {
  return property.createdBy ? Reference.unwrapReference(property.createdBy).id : undefined;
}
