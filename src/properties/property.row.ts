import type { EntityManager } from '@mikro-orm/postgresql';
import type { Ref } from '@mikro-orm/core';
import { Property } from './property.entity.js';
import { User } from '../users/user.entity.js';

/** A `properties` row as PostgreSQL returns it: column names, and timestamps as text with their microseconds, for exact cursors. */
export interface PropertyRow {
  id: string;
  title: string;
  description: string | null;
  is_published: boolean;
  created_at: string;
  updated_at: string;
  created_by: number | null;
  updated_by: number | null;
  published_by: number | null;
}

function userReference(em: EntityManager, id: number | null): Ref<User> | null {
  return id === null ? null : em.getReference(User, id, { wrapped: true });
}

/**
 * A listed row as a Property to resolve GraphQL fields from, without the hydration, identity map
 * entry and change-tracking snapshot of a managed entity: a page is read, never flushed.
 */
export function propertyFromRow(em: EntityManager, row: PropertyRow): Property {
  // Not `new Property()`: its field initialisers would mint a uuid for every row, only to overwrite it.
  const property = Object.create(Property.prototype) as Property;
  property.id = row.id;
  property.title = row.title;
  property.description = row.description;
  property.isPublished = row.is_published;
  property.createdAt = new Date(row.created_at);
  property.updatedAt = new Date(row.updated_at);
  property.createdBy = userReference(em, row.created_by);
  property.updatedBy = userReference(em, row.updated_by);
  property.publishedBy = userReference(em, row.published_by);
  return property;
}
