import { Reference } from '@mikro-orm/core';
import type { User } from '../users/user.entity.js';
import type { Property } from './property.entity.js';

export type PropertyActor = 'createdBy' | 'updatedBy' | 'publishedBy';

export const PROPERTY_ACTORS: readonly PropertyActor[] = ['createdBy', 'updatedBy', 'publishedBy'];

/**
 * A property as a reader returns it: plain data for GraphQL's field resolvers, never flushed. It
 * carries its users' ids, and the users themselves where the request selected them and the
 * reader joined them in.
 */
export class PropertyRecord {
  constructor(
    readonly id: string,
    readonly title: string,
    readonly description: string | null,
    readonly isPublished: boolean,
    readonly createdAt: Date,
    readonly updatedAt: Date,
    readonly actorIds: Readonly<Record<PropertyActor, number | null>>,
    readonly joinedActors: Readonly<Partial<Record<PropertyActor, User | null>>>,
  ) {}
}

/** The id of a property's user, whether it came from a reader or from the unit of work. */
export function actorIdOf(property: Property | PropertyRecord, actor: PropertyActor): number | null {
  if (property instanceof PropertyRecord) return property.actorIds[actor];
  const reference = property[actor];
  return reference ? Reference.unwrapReference(reference).id : null;
}

/** The user the reader joined in for this relation, if it did: `undefined` means load it. */
export function joinedActorOf(property: Property | PropertyRecord, actor: PropertyActor): User | null | undefined {
  return property instanceof PropertyRecord ? property.joinedActors[actor] : undefined;
}
