import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Property } from './property.entity.js';
import { PropertyService } from './property.service.js';
import type { GraphQLContext } from '../graphql/context.js';

@Resolver(() => Property)
export class PropertyResolver {
  @Query(() => Property, { nullable: true, description: 'Null where no such property is visible to the caller.' })
  async property(@Arg('id', () => ID) id: string, @Ctx() { em, viewer }: GraphQLContext): Promise<Property | null> {
    return await new PropertyService(em, viewer).findVisible(id);
  }
}
