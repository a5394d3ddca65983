import type { GraphQLResolveInfo } from 'graphql';
import { roleMayPass } from '../auth/auth.directive.js';
import type { User } from '../users/user.entity.js';
import { namesUnder, type Selected } from '../graphql/lookahead.js';
import { PROPERTY_ACTORS, type PropertyActor } from './property.record.js';

/** What a reader must fetch for a request: the property's selected fields, and each user to join in with its selected fields. */
export interface PropertySelection {
  fields: ReadonlySet<string>;
  actors: ReadonlyMap<PropertyActor, ReadonlySet<string>>;
}

/**
 * The selection a reader serves: the fields the request selected and the caller's role may see,
 * and the users among them joined in with the fields asked of them. A field the caller will be
 * refused changes nothing in the SQL.
 */
export function propertySelection(info: GraphQLResolveInfo, viewer: User | null, selected: Selected): PropertySelection {
  const mayPass = (field: string): boolean => roleMayPass(info.schema, 'Property', field, viewer);
  const actors = new Map<PropertyActor, ReadonlySet<string>>();
  for (const actor of PROPERTY_ACTORS) {
    const nodes = selected.get(actor);
    if (nodes && mayPass(actor)) actors.set(actor, namesUnder(info, nodes));
  }
  return { fields: new Set([...selected.keys()].filter(mayPass)), actors };
}
