import 'reflect-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import { execute, GraphQLEnumType, GraphQLSchema, parse, type ExecutionResult } from 'graphql';
import { buildSchema, Directive, Field, ID, InterfaceType, ObjectType, Query, Resolver } from 'type-graphql';
import { authDirectiveDefinition, enforceAuthDirective } from '../../src/auth/auth.directive.js';
import { AuthError } from '../../src/auth/auth.errors.js';
import type { GraphQLContext } from '../../src/graphql/context.js';
import { createLogger } from '../../src/logger.js';
import { Role } from '../../src/users/role.js';
import { User } from '../../src/users/user.entity.js';

/*
 * The contract puts no @auth on an object type, so the type-level rule is exercised on a small
 * schema declared the way the server declares its own (type-graphql classes, the real Role enum,
 * the real directive definition and transformer), executed without HTTP.
 */

@ObjectType('Report')
@Directive('@auth(requires: AGENT)')
class Report {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  title!: string;

  @Field(() => String, { nullable: true })
  @Directive('@auth(requires: ADMIN)')
  figures!: string;

  @Field(() => String, { nullable: true })
  @Directive('@auth(requires: USER)')
  summary!: string;

  @Field(() => String, { nullable: true })
  @Directive('@auth(requires: ADMIN, orOwner: true)')
  ownerNote!: string;
}

@ObjectType('Folder')
class Folder {
  @Field(() => String)
  name!: string;

  @Field(() => [Report])
  reports!: Report[];

  @Field(() => Report, { nullable: true })
  pinned!: Report | null;

  @Field(() => Folder, { nullable: true })
  parent!: Folder | null;
}

@InterfaceType('Labelled')
abstract class Labelled {
  @Field(() => String, { nullable: true })
  @Directive('@auth(requires: ADMIN)')
  label!: string;
}

@ObjectType('Badge', { implements: Labelled })
class Badge extends Labelled {
  @Field(() => String)
  shape!: string;
}

const report = (id: string): Report =>
  Object.assign(new Report(), { id, title: `title ${id}`, figures: `figures ${id}`, summary: `summary ${id}`, ownerNote: `note ${id}` });

const folder = (name: string, parent: Folder | null = null): Folder =>
  Object.assign(new Folder(), { name, reports: [report(`${name}-1`), report(`${name}-2`)], pinned: report(`${name}-pinned`), parent });

@Resolver()
class ProbeResolver {
  @Query(() => String, { nullable: true })
  open(): string {
    return 'open';
  }

  @Query(() => String, { nullable: true })
  @Directive('@auth')
  signedIn(): string {
    return 'signed in';
  }

  @Query(() => String, { nullable: true })
  @Directive('@auth(requires: ADMIN)')
  adminOnly(): string {
    return 'admin only';
  }

  @Query(() => String, { nullable: true })
  @Directive('@auth(requires: ADMIN, orOwner: true)')
  rootOwnerRule(): string {
    return 'root owner rule';
  }

  /** Brings the Role enum into the schema, as the real schema's User.role does. */
  @Query(() => Role)
  lowestRole(): Role {
    return Role.USER;
  }

  @Query(() => Report, { nullable: true })
  report(): Report {
    return report('r');
  }

  @Query(() => [Report])
  reports(): Report[] {
    return [report('a'), report('b'), report('c')];
  }

  @Query(() => [Labelled])
  labelled(): Labelled[] {
    return [Object.assign(new Badge(), { shape: 'round', label: 'secret label' })];
  }

  @Query(() => Folder)
  folder(): Folder {
    return folder('child', folder('parent'));
  }
}

let schema: GraphQLSchema;

beforeAll(async () => {
  const declared = await buildSchema({ resolvers: [ProbeResolver], validate: false });
  const roleType = declared.getType('Role');
  if (!(roleType instanceof GraphQLEnumType)) throw new Error('Role is missing from the probe schema');
  const config = declared.toConfig();
  schema = enforceAuthDirective(new GraphQLSchema({ ...config, directives: [...config.directives, authDirectiveDefinition(roleType)] }));
});

const logger = createLogger('silent');

function viewer(role: Role, id = 7): User {
  return Object.assign(new User(), { id, role, email: `v${id}@example.com`, clerkUserId: `user_${id}` });
}

async function run(query: string, as: User | null): Promise<ExecutionResult> {
  const context: GraphQLContext = {
    // No resolver here touches the database: the probe resolvers return plain objects.
    em: undefined as never,
    sql: undefined as never,
    isQuery: true,
    viewer: as,
    requestId: 'probe',
    logger,
    once: () => {
      throw new Error('the probe resolvers make nothing per request');
    },
  };
  return await execute({ schema, document: parse(query), contextValue: context });
}

function codes(result: ExecutionResult): (string | undefined)[] {
  return (result.errors ?? []).map((error) => {
    const original = error.originalError;
    return original instanceof AuthError ? original.code : `not an auth error: ${error.message}`;
  });
}

function errorPaths(result: ExecutionResult): string[] {
  return (result.errors ?? []).map((error) => (error.path ?? []).join('.')).sort();
}

describe('@auth on a field', () => {
  it('leaves a field without @auth public', async () => {
    const result = await run('{ open }', null);
    expect(result).toEqual({ data: { open: 'open' } });
  });

  it('requires a signed-in user when given no arguments (requires defaults to USER)', async () => {
    const anonymous = await run('{ signedIn }', null);
    expect(anonymous.data).toEqual({ signedIn: null });
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect((await run('{ signedIn }', viewer(Role.USER))).data).toEqual({ signedIn: 'signed in' });
  });

  it('is FORBIDDEN when the role is too low', async () => {
    const result = await run('{ adminOnly }', viewer(Role.AGENT));
    expect(result.data).toEqual({ adminOnly: null });
    expect(codes(result)).toEqual(['FORBIDDEN']);
  });

  it('admits every role above the one it requires', async () => {
    expect((await run('{ signedIn }', viewer(Role.ADMIN))).data).toEqual({ signedIn: 'signed in' });
  });

  it('grants nothing through orOwner on a root field, which has no owner', async () => {
    const result = await run('{ rootOwnerRule }', viewer(Role.AGENT));
    expect(codes(result)).toEqual(['FORBIDDEN']);
  });

  it('nulls only the denied field and keeps the rest of the response', async () => {
    const result = await run('{ open adminOnly signedIn }', viewer(Role.USER));
    expect(result.data).toEqual({ open: 'open', adminOnly: null, signedIn: 'signed in' });
    expect(errorPaths(result)).toEqual(['adminOnly']);
  });
});

describe('@auth on an object type (ardatan/graphql-tools #1220)', () => {
  it('guards the fields of the type reached from a root field', async () => {
    const result = await run('{ report { title } }', viewer(Role.USER));
    expect(result.data).toEqual({ report: { title: null } });
    expect(codes(result)).toEqual(['FORBIDDEN']);
  });

  it('is UNAUTHENTICATED for an anonymous caller, and a denied non-null field nulls its parent', async () => {
    const result = await run('{ report { id } open }', null);
    expect(result.data).toEqual({ report: null, open: 'open' });
    expect(codes(result)).toEqual(['UNAUTHENTICATED']);
  });

  it('guards every item of a list', async () => {
    const result = await run('{ reports { title } }', viewer(Role.USER));
    expect(result.data).toEqual({ reports: [{ title: null }, { title: null }, { title: null }] });
    expect(errorPaths(result)).toEqual(['reports.0.title', 'reports.1.title', 'reports.2.title']);
  });

  it('guards the type reached through a field of an unguarded type', async () => {
    const result = await run('{ folder { name pinned { title } reports { title } } }', viewer(Role.USER));
    expect(result.data).toEqual({
      folder: { name: 'child', pinned: { title: null }, reports: [{ title: null }, { title: null }] },
    });
    expect(codes(result)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
  });

  it('guards the type reached through nested objects, aliases and fragments', async () => {
    const result = await run(
      '{ folder { parent { ...P } } } fragment P on Folder { deep: pinned { ... on Report { t: title } } }',
      viewer(Role.USER),
    );
    expect(result.data).toEqual({ folder: { parent: { deep: { t: null } } } });
    expect(errorPaths(result)).toEqual(['folder.parent.deep.t']);
  });

  it('admits the role the type requires on every path', async () => {
    const result = await run('{ report { title } reports { title } folder { parent { pinned { title } } } }', viewer(Role.AGENT));
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      report: { title: 'title r' },
      reports: [{ title: 'title a' }, { title: 'title b' }, { title: 'title c' }],
      folder: { parent: { pinned: { title: 'title parent-pinned' } } },
    });
  });
});

describe('a field rule and its type rule both apply (ChilliCream/graphql-platform #1114, #4838)', () => {
  it('denies a field whose type rule admits the caller but whose own rule does not', async () => {
    const result = await run('{ report { title figures } }', viewer(Role.AGENT));
    expect(result.data).toEqual({ report: { title: 'title r', figures: null } });
    expect(errorPaths(result)).toEqual(['report.figures']);
    expect(codes(result)).toEqual(['FORBIDDEN']);
  });

  it('denies a field whose own rule admits the caller but whose type rule does not', async () => {
    const result = await run('{ report { summary } }', viewer(Role.USER));
    expect(result.data).toEqual({ report: { summary: null } });
    expect(codes(result)).toEqual(['FORBIDDEN']);
  });

  it('admits a caller that satisfies both rules', async () => {
    const result = await run('{ report { title figures summary } }', viewer(Role.ADMIN));
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ report: { title: 'title r', figures: 'figures r', summary: 'summary r' } });
  });

  it('grants nothing through orOwner on a type that has no owner', async () => {
    const result = await run('{ report { ownerNote } }', viewer(Role.AGENT));
    expect(codes(result)).toEqual(['FORBIDDEN']);
  });
});

describe('@auth on an interface field', () => {
  it('guards the field on the object types that implement the interface', async () => {
    const result = await run('{ labelled { ... on Badge { shape label } } }', viewer(Role.AGENT));
    expect(result.data).toEqual({ labelled: [{ shape: 'round', label: null }] });
    expect(codes(result)).toEqual(['FORBIDDEN']);
  });
});
