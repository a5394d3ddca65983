import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { User } from './user.entity.js';
import { Role } from './role.js';
import { UserService } from './user.service.js';
import { UserConnection } from './user.connection.js';
import type { GraphQLContext } from '../graphql/context.js';

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { nullable: true, description: 'The signed-in user.' })
  @Directive('@auth(requires: USER)')
  me(@Ctx() { viewer }: GraphQLContext): User | null {
    return viewer;
  }

  @Query(() => User, { nullable: true })
  @Directive('@auth(requires: ADMIN)')
  async user(@Arg('id', () => ID) id: string, @Ctx() { em }: GraphQLContext): Promise<User | null> {
    return await new UserService(em).findById(id);
  }

  @Query(() => UserConnection, { nullable: true })
  @Directive('@auth(requires: ADMIN)')
  async users(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('role', () => Role, { nullable: true }) role: Role | null,
    @Ctx() { em }: GraphQLContext,
  ): Promise<UserConnection> {
    return new UserConnection(await new UserService(em).list({ first, after, role }));
  }

  @Mutation(() => User)
  @Directive('@auth(requires: ADMIN)')
  async setUserRole(
    @Arg('id', () => ID) id: string,
    @Arg('role', () => Role) role: Role,
    @Ctx() { em }: GraphQLContext,
  ): Promise<User> {
    return await new UserService(em).setRole(id, role);
  }
}
