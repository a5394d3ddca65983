import type { GraphQLResolveInfo } from 'graphql';
import { roleMayPass } from '../auth/auth.directive.js';
import type { User } from '../users/user.entity.js';
import { PROPERTY_ACTORS, type PropertyActor } from './property.record.js';

/** The users of a property that the request selected and the viewer's role may see: the reader joins exactly these. */
export function actorJoins(info: GraphQLResolveInfo, viewer: User | null, selected: ReadonlySet<string>): Set<PropertyActor> {
  return new Set(PROPERTY_ACTORS.filter((actor) => selected.has(actor) && roleMayPass(info.schema, 'Property', actor, viewer)));
}
