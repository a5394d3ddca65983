import { Arg, Ctx, Directive, ID, Query, Resolver } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { PropertyVersion } from './property-version.type.js';
import { PropertyHistoryService } from './property-history.service.js';
import type { GraphQLContext } from '../graphql/context.js';

@Resolver(() => PropertyVersion)
export class PropertyHistoryResolver {
  @Query(() => PropertyVersion, { nullable: true, description: 'Null where the property did not exist at that instant.' })
  @Directive('@auth(requires: ADMIN)')
  async propertyAt(
    @Arg('id', () => ID) id: string,
    @Arg('at', () => DateTimeResolver) at: Date,
    @Ctx() { em }: GraphQLContext,
  ): Promise<PropertyVersion | null> {
    return await new PropertyHistoryService(em).propertyAt(id, at);
  }
}
