import { Arg, Ctx, Directive, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Property } from './property.entity.js';
import { PropertyService } from './property.service.js';
import { PropertyConnection } from './property.connection.js';
import { CreatePropertyInput, PropertyFilter, PropertyOrder, UpdatePropertyInput } from './property.inputs.js';
import { auditTrailPage } from './property-audit-trail.loader.js';
import { AuditLogConnection } from '../audit-log/audit-log.connection.js';
import { User } from '../users/user.entity.js';
import { loadUser } from '../users/user.loader.js';
import type { GraphQLContext } from '../graphql/context.js';

@Resolver(() => Property)
export class PropertyResolver {
  @Query(() => Property, { nullable: true, description: 'Null where no such property is visible to the caller.' })
  async property(@Arg('id', () => ID) id: string, @Ctx() { em, viewer }: GraphQLContext): Promise<Property | null> {
    return await new PropertyService(em, viewer).findVisible(id);
  }

  @Query(() => PropertyConnection, {
    description: 'Published properties for everyone; an agent also sees its own drafts, an admin sees all.',
  })
  async properties(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => PropertyFilter, { nullable: true }) filter: PropertyFilter | null,
    @Arg('orderBy', () => PropertyOrder, { nullable: true }) orderBy: PropertyOrder | null,
    @Ctx() { em, viewer }: GraphQLContext,
  ): Promise<PropertyConnection> {
    return new PropertyConnection(await new PropertyService(em, viewer).list({ first, after, filter, orderBy }));
  }

  @Mutation(() => Property)
  @Directive('@auth(requires: AGENT)')
  async createProperty(
    @Arg('input', () => CreatePropertyInput) input: CreatePropertyInput,
    @Ctx() { em, viewer }: GraphQLContext,
  ): Promise<Property> {
    return await new PropertyService(em, viewer).create(input);
  }

  @Mutation(() => Property, { description: 'An agent may change only the properties it created; an admin any.' })
  @Directive('@auth(requires: AGENT)')
  async updateProperty(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdatePropertyInput) input: UpdatePropertyInput,
    @Ctx() { em, viewer }: GraphQLContext,
  ): Promise<Property> {
    return await new PropertyService(em, viewer).update(id, input);
  }

  @Mutation(() => Property)
  @Directive('@auth(requires: AGENT)')
  async publishProperty(@Arg('id', () => ID) id: string, @Ctx() { em, viewer }: GraphQLContext): Promise<Property> {
    return await new PropertyService(em, viewer).publish(id);
  }

  @Mutation(() => Property)
  @Directive('@auth(requires: AGENT)')
  async unpublishProperty(@Arg('id', () => ID) id: string, @Ctx() { em, viewer }: GraphQLContext): Promise<Property> {
    return await new PropertyService(em, viewer).unpublish(id);
  }

  @Mutation(() => ID, { description: 'Returns the id of the deleted property.' })
  @Directive('@auth(requires: AGENT)')
  async deleteProperty(@Arg('id', () => ID) id: string, @Ctx() { em, viewer }: GraphQLContext): Promise<string> {
    return await new PropertyService(em, viewer).delete(id);
  }

  @FieldResolver(() => User, { nullable: true })
  @Directive('@auth(requires: AGENT)')
  async createdBy(@Root() property: Property, @Ctx() { em }: GraphQLContext): Promise<User | null> {
    return await loadUser(em, property.createdBy);
  }

  @FieldResolver(() => User, { nullable: true })
  @Directive('@auth(requires: AGENT)')
  async updatedBy(@Root() property: Property, @Ctx() { em }: GraphQLContext): Promise<User | null> {
    return await loadUser(em, property.updatedBy);
  }

  @FieldResolver(() => User, { nullable: true })
  @Directive('@auth(requires: AGENT)')
  async publishedBy(@Root() property: Property, @Ctx() { em }: GraphQLContext): Promise<User | null> {
    return await loadUser(em, property.publishedBy);
  }

  @FieldResolver(() => AuditLogConnection, { nullable: true, description: "This property's audit entries, newest first." })
  @Directive('@auth(requires: ADMIN, orOwner: true)')
  async auditTrail(
    @Root() property: Property,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphQLContext,
  ): Promise<AuditLogConnection> {
    return new AuditLogConnection(await auditTrailPage(context, property.id, { first, after }));
  }
}
