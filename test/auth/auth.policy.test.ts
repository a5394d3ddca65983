import { beforeAll, describe, expect, it } from 'vitest';
import { isObjectType, type GraphQLSchema } from 'graphql';
import { getDirective } from '@graphql-tools/utils';
import { buildDeclaredSchema } from '../../src/graphql/schema.js';
import { AUTH_DIRECTIVE } from '../../src/auth/auth.directive.js';
import { Role } from '../../src/users/role.js';

/** Root fields anyone may call: their resolvers filter what the caller may see. */
const PUBLIC_ROOT_FIELDS = new Set(['Query.property', 'Query.properties']);

/** Where the contract's schema.graphql puts @auth, with its arguments (defaults spelled out). */
const CONTRACT_RULES: Record<string, string> = {
  'Query.me': 'requires: USER, orOwner: false',
  'Query.propertyAt': 'requires: ADMIN, orOwner: false',
  'Query.user': 'requires: ADMIN, orOwner: false',
  'Query.users': 'requires: ADMIN, orOwner: false',
  'Query.auditLogs': 'requires: ADMIN, orOwner: false',
  'Query.verifyAuditChain': 'requires: ADMIN, orOwner: false',
  'Mutation.createProperty': 'requires: AGENT, orOwner: false',
  'Mutation.updateProperty': 'requires: AGENT, orOwner: false',
  'Mutation.publishProperty': 'requires: AGENT, orOwner: false',
  'Mutation.unpublishProperty': 'requires: AGENT, orOwner: false',
  'Mutation.deleteProperty': 'requires: AGENT, orOwner: false',
  'Mutation.setUserRole': 'requires: ADMIN, orOwner: false',
  'Subscription.auditLogAdded': 'requires: ADMIN, orOwner: false',
  'User.email': 'requires: ADMIN, orOwner: true',
  'User.clerkUserId': 'requires: ADMIN, orOwner: true',
  'Property.createdBy': 'requires: AGENT, orOwner: false',
  'Property.updatedBy': 'requires: AGENT, orOwner: false',
  'Property.publishedBy': 'requires: AGENT, orOwner: false',
  'Property.auditTrail': 'requires: ADMIN, orOwner: true',
};

const ROLE_NAMES = new Map<string, string>(Object.entries(Role).map(([name, value]) => [value, name]));

interface AuthArguments {
  requires: Role;
  orOwner: boolean;
}

function describeRules(rules: AuthArguments[] | undefined): string | undefined {
  if (!rules || rules.length === 0) return undefined;
  return rules.map((rule) => `requires: ${ROLE_NAMES.get(rule.requires) ?? rule.requires}, orOwner: ${rule.orOwner}`).join(' & ');
}

/** Every @auth in the schema, keyed `Type` or `Type.field`. */
function authRules(schema: GraphQLSchema): Map<string, string> {
  const found = new Map<string, string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const typeRule = describeRules(getDirective(schema, type, AUTH_DIRECTIVE) as AuthArguments[] | undefined);
    if (typeRule) found.set(type.name, typeRule);
    for (const field of Object.values(type.getFields())) {
      const fieldRule = describeRules(getDirective(schema, field, AUTH_DIRECTIVE) as AuthArguments[] | undefined);
      if (fieldRule) found.set(`${type.name}.${field.name}`, fieldRule);
    }
  }
  return found;
}

function rootFields(schema: GraphQLSchema): string[] {
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) =>
    type ? Object.keys(type.getFields()).map((field) => `${type.name}.${field}`) : [],
  );
}

describe('the access policy as the printed schema declares it', () => {
  let schema: GraphQLSchema;
  let rules: Map<string, string>;
  beforeAll(async () => {
    schema = await buildDeclaredSchema();
    rules = authRules(schema);
  });

  it('gives every Query, Mutation and Subscription field an @auth or a place in the list of public fields', () => {
    const unguarded = rootFields(schema).filter((field) => !rules.has(field) && !PUBLIC_ROOT_FIELDS.has(field));
    expect(unguarded).toEqual([]);
  });

  it('lists as public only root fields that exist and carry no @auth', () => {
    const existing = new Set(rootFields(schema));
    const stale = [...PUBLIC_ROOT_FIELDS].filter((field) => !existing.has(field) || rules.has(field));
    expect(stale).toEqual([]);
  });

  it('puts @auth exactly where the contract does, with the same arguments', () => {
    expect(Object.fromEntries(rules)).toEqual(CONTRACT_RULES);
  });
});
