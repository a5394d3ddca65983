import 'reflect-metadata';
import { GraphQLEnumType, GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { authDirectiveDefinition, enforceAuthDirective } from '../auth/auth.directive.js';
import { PropertyResolver } from '../properties/property.resolver.js';
import { UserResolver } from '../users/user.resolver.js';
import { PropertyHistoryResolver } from '../audit-log/property-history.resolver.js';
import { AuditLogResolver } from '../audit-log/audit-log.resolver.js';
import { AuditChainResolver } from '../audit-log/audit-chain.resolver.js';
import { AuditFeedResolver } from '../audit-log/audit-feed.resolver.js';
import { withDateTimeInputErrors } from './date-time.scalar.js';
import { withDirectRowRelations } from './row-relations.js';

const RESOLVERS = [PropertyResolver, UserResolver, PropertyHistoryResolver, AuditLogResolver, AuditChainResolver, AuditFeedResolver] as const;

/**
 * TypeGraphQL demands a pubSub once the schema has a subscription, even where every subscription
 * brings its own `subscribe` (as `auditLogAdded` does, from the connection's feed): this one is never used.
 */
const UNUSED_PUB_SUB: PubSub = {
  publish: () => undefined,
  subscribe: () => {
    throw new Error('every subscription of this schema brings its own subscribe function');
  },
};

/**
 * The schema as declared, with the @auth directive defined: what `schema.graphql` prints. Every
 * object type sets `simpleResolvers`: its plain fields are read by graphql's default resolver, not
 * through TypeGraphQL's middleware wrapper, which this schema never uses (@auth is a directive).
 */
export async function buildDeclaredSchema(): Promise<GraphQLSchema> {
  const generated = await buildSchema({ resolvers: [...RESOLVERS], validate: false, pubSub: UNUSED_PUB_SUB });
  const roleType = generated.getType('Role');
  if (!(roleType instanceof GraphQLEnumType)) throw new Error('The Role enum is missing from the schema');
  const config = generated.toConfig();
  const declared = new GraphQLSchema({ ...config, directives: [...config.directives, authDirectiveDefinition(roleType)] });
  return withDateTimeInputErrors(declared);
}

/** The schema the server executes: the declared one, its row relations called directly, with @auth enforced. */
export async function buildExecutableSchema(): Promise<GraphQLSchema> {
  return enforceAuthDirective(withDirectRowRelations(await buildDeclaredSchema()));
}
