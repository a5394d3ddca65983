import {
  defaultFieldResolver,
  DirectiveLocation,
  GraphQLBoolean,
  GraphQLDirective,
  GraphQLNonNull,
  GraphQLSchema,
  isObjectType,
  type GraphQLEnumType,
  type GraphQLField,
  type GraphQLFieldConfig,
  type GraphQLResolveInfo,
} from 'graphql';
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { Role, roleAtLeast } from '../users/role.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { User } from '../users/user.entity.js';
import { roleTooLow, signInRequired } from './auth.errors.js';
import { ownerDescriptionOf, ownerIdOf } from './ownership.js';

export const AUTH_DIRECTIVE = 'auth';

export interface AuthRule {
  requires: Role;
  orOwner: boolean;
}

/** Declared with the schema's own Role enum, so the schema keeps one Role type. */
export function authDirectiveDefinition(roleType: GraphQLEnumType): GraphQLDirective {
  return new GraphQLDirective({
    name: AUTH_DIRECTIVE,
    description:
      'Role gate, enforced at run time and visible here so that clients and reviewers can read the policy.\n' +
      'On a field: the caller must be signed in with at least `requires`; with `orOwner: true` the owner of the\n' +
      "parent object passes too (a Property's owner is its creator; a User's owner is that user).\n" +
      'On an object type: applies to every field of the type.\n' +
      'A field without @auth is public.',
    locations: [DirectiveLocation.OBJECT, DirectiveLocation.FIELD_DEFINITION],
    args: {
      requires: { type: new GraphQLNonNull(roleType), defaultValue: Role.USER },
      orOwner: { type: new GraphQLNonNull(GraphQLBoolean), defaultValue: false },
    },
  });
}

/** Throws when the rule does not admit the caller; runs before the field's resolver. */
export function checkRule(rule: AuthRule, parentTypeName: string, source: unknown, context: GraphQLContext): void {
  const viewer = context.viewer;
  if (!viewer) throw signInRequired();
  if (roleAtLeast(viewer.role, rule.requires)) return;
  if (rule.orOwner && ownerIdOf(parentTypeName, source) === viewer.id) return;
  throw roleTooLow(rule.requires, rule.orOwner ? ownerDescriptionOf(parentTypeName) : undefined);
}

function rulesFor(
  schema: GraphQLSchema,
  typeName: string,
  field: GraphQLFieldConfig<unknown, unknown> | GraphQLField<unknown, unknown>,
): AuthRule[] {
  const type = schema.getType(typeName);
  const typeRules = type ? ((getDirective(schema, type, AUTH_DIRECTIVE) ?? []) as AuthRule[]) : [];
  const fieldRules = (getDirective(schema, field, AUTH_DIRECTIVE) ?? []) as AuthRule[];
  return [...typeRules, ...fieldRules];
}

const fieldRules = new WeakMap<GraphQLSchema, Map<string, AuthRule[]>>();

/**
 * Whether a viewer's role could pass the @auth rules of `typeName.fieldName`: a reader asks before
 * it joins in data for that field, so that a field the viewer will be refused costs no SQL. A rule
 * with `orOwner` counts as passable, since ownership is decided per object when the field resolves.
 */
export function roleMayPass(schema: GraphQLSchema, typeName: string, fieldName: string, viewer: User | null): boolean {
  let rules = fieldRules.get(schema);
  if (!rules) fieldRules.set(schema, (rules = new Map()));
  const key = `${typeName}.${fieldName}`;
  let found = rules.get(key);
  if (!found) {
    const type = schema.getType(typeName);
    const field = isObjectType(type) ? type.getFields()[fieldName] : undefined;
    found = field ? rulesFor(schema, typeName, field) : [];
    rules.set(key, found);
  }
  return found.every((rule) => viewer !== null && (rule.orOwner || roleAtLeast(viewer.role, rule.requires)));
}

/**
 * Wraps every field that carries @auth, or whose type does, so that its rules run before its
 * resolver. A type's rule guards each of its fields however the object is reached.
 */
export function enforceAuthDirective(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, _fieldName, typeName) => {
      const rules = rulesFor(schema, typeName, fieldConfig);
      if (rules.length === 0) return fieldConfig;
      const resolve = fieldConfig.resolve ?? defaultFieldResolver;
      const subscribe = fieldConfig.subscribe;
      return {
        ...fieldConfig,
        resolve: (source, args, context: GraphQLContext, info) => {
          for (const rule of rules) checkRule(rule, typeName, source, context);
          return resolve(source, args, context, info);
        },
        // A subscription is refused before it starts, and each event is judged again by `resolve`.
        ...(subscribe && {
          subscribe: (source: unknown, args: Record<string, unknown>, context: GraphQLContext, info: GraphQLResolveInfo) => {
            for (const rule of rules) checkRule(rule, typeName, source, context);
            return subscribe(source, args, context, info);
          },
        }),
      };
    },
  });
}
