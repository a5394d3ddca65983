import { Ctx, Directive, Query, Resolver } from 'type-graphql';
import { User } from './user.entity.js';
import type { GraphQLContext } from '../graphql/context.js';

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { nullable: true, description: 'The signed-in user.' })
  @Directive('@auth(requires: USER)')
  me(@Ctx() { viewer }: GraphQLContext): User | null {
    return viewer;
  }
}
