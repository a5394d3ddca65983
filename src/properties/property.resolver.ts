import { Arg, Ctx, Directive, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { Property } from './property.entity.js';
import { PropertyService } from './property.service.js';
import { PropertyReader } from './property.reader.js';
import { actorIdOf, joinedActorOf, type PropertyActor, type PropertyRecord } from './property.record.js';
import { propertySelection } from './property.joins.js';
import { PropertyConnection } from './property.connection.js';
import { CreatePropertyInput, PropertyFilter, PropertyOrder, UpdatePropertyInput } from './property.inputs.js';
import { auditTrailPage } from './property-audit-trail.loader.js';
import { AuditLogConnection } from '../audit-log/audit-log.connection.js';
import { User } from '../users/user.entity.js';
import { loadUser } from '../users/user.loader.js';
import { selectedFieldNodes, selectedNodeFieldNodes } from '../graphql/lookahead.js';
import { entrySelection } from '../audit-log/audit-log.selection.js';
import type { GraphQLContext } from '../graphql/context.js';

/** The user of a relation: joined in by the reader where the request selected it, else loaded in a batch. */
function actorOf(property: Property | PropertyRecord, actor: PropertyActor, context: GraphQLContext): User | null | Promise<User | null> {
  const joined = joinedActorOf(property, actor);
  return joined !== undefined ? joined : loadUser(context, actorIdOf(property, actor));
}

@Resolver(() => Property)
export class PropertyResolver {
  @Query(() => Property, { nullable: true, description: 'Null where no such property is visible to the caller.' })
  async property(
    @Arg('id', () => ID) id: string,
    @Ctx() { sql, viewer }: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<PropertyRecord | null> {
    return await new PropertyReader(sql, viewer).findVisible(id, propertySelection(info, viewer, selectedFieldNodes(info)));
  }

  @Query(() => PropertyConnection, {
    description: 'Published properties for everyone; an agent also sees its own drafts, an admin sees all.',
  })
  async properties(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => PropertyFilter, { nullable: true }) filter: PropertyFilter | null,
    @Arg('orderBy', () => PropertyOrder, { nullable: true }) orderBy: PropertyOrder | null,
    @Ctx() { sql, viewer }: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<PropertyConnection> {
    const selection = propertySelection(info, viewer, selectedNodeFieldNodes(info));
    return new PropertyConnection(await new PropertyReader(sql, viewer).list({ first, after, filter, orderBy }, selection));
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
  createdBy(@Root() property: Property | PropertyRecord, @Ctx() context: GraphQLContext): User | null | Promise<User | null> {
    return actorOf(property, 'createdBy', context);
  }

  @FieldResolver(() => User, { nullable: true })
  @Directive('@auth(requires: AGENT)')
  updatedBy(@Root() property: Property | PropertyRecord, @Ctx() context: GraphQLContext): User | null | Promise<User | null> {
    return actorOf(property, 'updatedBy', context);
  }

  @FieldResolver(() => User, { nullable: true })
  @Directive('@auth(requires: AGENT)')
  publishedBy(@Root() property: Property | PropertyRecord, @Ctx() context: GraphQLContext): User | null | Promise<User | null> {
    return actorOf(property, 'publishedBy', context);
  }

  @FieldResolver(() => AuditLogConnection, { nullable: true, description: "This property's audit entries, newest first." })
  @Directive('@auth(requires: ADMIN, orOwner: true)')
  async auditTrail(
    @Root() property: Property | PropertyRecord,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<AuditLogConnection> {
    return new AuditLogConnection(await auditTrailPage(context, property.id, { first, after }, entrySelection(info)));
  }
}
