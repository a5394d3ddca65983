import { Reference } from '@mikro-orm/core';
import { instantFromPg } from '../db/pg-instant.js';
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
  private createdAtDate: Date | undefined;
  private updatedAtDate: Date | undefined;

  constructor(
    readonly id: string,
    readonly title: string,
    readonly description: string | null,
    readonly isPublished: boolean,
    /** As PostgreSQL prints them: made Dates only if a client selects them. */
    private readonly createdAtText: string,
    private readonly updatedAtText: string,
    readonly actorIds: Readonly<Record<PropertyActor, number | null>>,
    readonly joinedActors: Readonly<Partial<Record<PropertyActor, User | null>>>,
  ) {}

  get createdAt(): Date {
    return (this.createdAtDate ??= instantFromPg(this.createdAtText));
  }

  get updatedAt(): Date {
    return (this.updatedAtDate ??= instantFromPg(this.updatedAtText));
  }
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
