import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { Role } from '../../src/users/role.js';

/*
 * The contract's access table, cell by cell, over HTTP. Columns: anonymous (`anon`), a `user`,
 * the agent that created the property (`owner`), another `agent`, an `admin`.
 */

type Caller = 'anon' | 'user' | 'owner' | 'agent' | 'admin';

let server: TestServer;
const people = {} as Record<Exclude<Caller, 'anon'>, SignedInUser>;

const tokenOf = (caller: Caller): string | undefined => (caller === 'anon' ? undefined : people[caller].token);
const denialFor = (caller: Caller): string => (caller === 'anon' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
const uniqueTitle = (label: string): string => `${label} ${randomUUID()}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- responses are read by shape, as TestServer.gql reads them
type AnyData = Record<string, any>;

async function gql(caller: Caller, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<AnyData>> {
  return await server.gql(query, { token: tokenOf(caller), variables });
}

const codes = (response: GraphQLResponse): unknown[] => (response.errors ?? []).map((error) => error.extensions?.code);
const paths = (response: GraphQLResponse): string[] => (response.errors ?? []).map((error) => (error.path ?? []).join('.')).sort();

interface Listing {
  id: string;
  title: string;
}

/** A property the owner creates through the API, so that it has its audit entries. */
async function ownersProperty(isPublished: boolean): Promise<Listing> {
  const title = uniqueTitle(isPublished ? 'published' : 'draft');
  const response = await gql('owner', 'mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id title } }', {
    input: { title, isPublished },
  });
  if (!response.data?.createProperty) throw new Error(`createProperty failed: ${JSON.stringify(response.errors)}`);
  return response.data.createProperty as Listing;
}

const stored = async (id: string) =>
  (await server.sql('select title, is_published from properties where id = $1', [id]))[0] as { title: string; is_published: boolean } | undefined;

async function lookUp(caller: Caller, listing: Listing): Promise<{ single: GraphQLResponse; listed: string[]; list: GraphQLResponse }> {
  const single = await gql(caller, 'query($id: ID!) { property(id: $id) { id title } }', { id: listing.id });
  const list = await gql(caller, 'query($search: String) { properties(first: 100, filter: { search: $search }) { nodes { id } } }', {
    search: listing.title,
  });
  const listed = ((list.data?.properties as { nodes: { id: string }[] } | undefined)?.nodes ?? []).map((node) => node.id);
  return { single, listed, list };
}

beforeAll(async () => {
  server = await startTestServer();
  people.user = await signIn(server, Role.USER);
  people.owner = await signIn(server, Role.AGENT);
  people.agent = await signIn(server, Role.AGENT);
  people.admin = await signIn(server, Role.ADMIN);
});

afterAll(async () => {
  await server.close();
});

describe('access: properties, property', () => {
  let published: Listing;
  let draft: Listing;
  beforeAll(async () => {
    published = await ownersProperty(true);
    draft = await ownersProperty(false);
  });

  for (const caller of ['anon', 'user', 'owner', 'agent', 'admin'] as const) {
    it(`properties, property: published — ${caller}: yes`, async () => {
      const { single, listed, list } = await lookUp(caller, published);
      expect(single.errors).toBeUndefined();
      expect(single.data?.property).toEqual(published);
      expect(list.errors).toBeUndefined();
      expect(listed).toEqual([published.id]);
    });
  }

  for (const caller of ['anon', 'user', 'agent'] as const) {
    it(`properties, property: drafts — ${caller}: no (absent)`, async () => {
      const { single, listed, list } = await lookUp(caller, draft);
      expect(single.errors).toBeUndefined();
      expect(single.data?.property).toBeNull();
      expect(list.errors).toBeUndefined();
      expect(listed).toEqual([]);
    });
  }

  for (const caller of ['owner', 'admin'] as const) {
    it(`properties, property: drafts — ${caller}: yes`, async () => {
      const { single, listed } = await lookUp(caller, draft);
      expect(single.errors).toBeUndefined();
      expect(single.data?.property).toEqual(draft);
      expect(listed).toEqual([draft.id]);
    });
  }
});

describe('access: Property.createdBy/updatedBy/publishedBy', () => {
  let published: Listing;
  beforeAll(async () => {
    published = await ownersProperty(true);
  });
  const query = 'query($id: ID!) { property(id: $id) { title createdBy { id } updatedBy { id } publishedBy { id } } }';

  for (const caller of ['anon', 'user'] as const) {
    it(`Property.createdBy/updatedBy/publishedBy — ${caller}: no`, async () => {
      const response = await gql(caller, query, { id: published.id });
      expect(response.data?.property).toEqual({ title: published.title, createdBy: null, updatedBy: null, publishedBy: null });
      expect(paths(response)).toEqual(['property.createdBy', 'property.publishedBy', 'property.updatedBy']);
      expect(codes(response)).toEqual([denialFor(caller), denialFor(caller), denialFor(caller)]);
    });
  }

  for (const caller of ['owner', 'agent', 'admin'] as const) {
    it(`Property.createdBy/updatedBy/publishedBy — ${caller}: yes`, async () => {
      const response = await gql(caller, query, { id: published.id });
      expect(response.errors).toBeUndefined();
      expect(response.data?.property).toEqual({
        title: published.title,
        createdBy: { id: people.owner.id },
        updatedBy: { id: people.owner.id },
        publishedBy: { id: people.owner.id },
      });
    });
  }
});

describe('access: Property.auditTrail', () => {
  let published: Listing;
  beforeAll(async () => {
    published = await ownersProperty(true);
  });
  const query = 'query($id: ID!) { property(id: $id) { title auditTrail { nodes { action entityId } } } }';

  for (const caller of ['anon', 'user', 'agent'] as const) {
    it(`Property.auditTrail — ${caller}: no`, async () => {
      const response = await gql(caller, query, { id: published.id });
      expect(response.data?.property).toEqual({ title: published.title, auditTrail: null });
      expect(paths(response)).toEqual(['property.auditTrail']);
      expect(codes(response)).toEqual([denialFor(caller)]);
    });
  }

  for (const caller of ['owner', 'admin'] as const) {
    it(`Property.auditTrail — ${caller}: yes`, async () => {
      const response = await gql(caller, query, { id: published.id });
      expect(response.errors).toBeUndefined();
      expect(response.data?.property.auditTrail.nodes).toEqual([{ action: 'CREATE', entityId: published.id }]);
    });
  }
});

describe('access: me', () => {
  it('me — anon: no', async () => {
    const response = await gql('anon', '{ me { id } }');
    expect(response.data).toEqual({ me: null });
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });

  for (const caller of ['user', 'owner', 'agent', 'admin'] as const) {
    it(`me — ${caller}: yes`, async () => {
      const response = await gql(caller, '{ me { id } }');
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ me: { id: people[caller].id } });
    });
  }
});

describe('access: User.email, User.clerkUserId', () => {
  let published: Listing;
  beforeAll(async () => {
    published = await ownersProperty(true);
  });
  const viaCreator = 'query($id: ID!) { property(id: $id) { createdBy { id email clerkUserId } } }';

  it('User.email, User.clerkUserId — anon: no', async () => {
    const self = await gql('anon', '{ me { email clerkUserId } }');
    expect(self.data).toEqual({ me: null });
    const other = await gql('anon', viaCreator, { id: published.id });
    expect(other.data?.property).toEqual({ createdBy: null });
    expect([...codes(self), ...codes(other)]).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
  });

  for (const caller of ['user', 'owner', 'agent'] as const) {
    it(`User.email, User.clerkUserId — ${caller}: self`, async () => {
      const response = await gql(caller, '{ me { email clerkUserId } }');
      expect(response.errors).toBeUndefined();
      expect(response.data?.me).toEqual({ email: people[caller].email, clerkUserId: people[caller].clerkUserId });
    });
  }

  it('User.email, User.clerkUserId — owner: self, also when reached as the creator of its property', async () => {
    const response = await gql('owner', viaCreator, { id: published.id });
    expect(response.errors).toBeUndefined();
    expect(response.data?.property.createdBy).toEqual({
      id: people.owner.id,
      email: people.owner.email,
      clerkUserId: people.owner.clerkUserId,
    });
  });

  it('User.email, User.clerkUserId — agent: not of another user', async () => {
    const response = await gql('agent', viaCreator, { id: published.id });
    expect(response.data?.property.createdBy).toEqual({ id: people.owner.id, email: null, clerkUserId: null });
    expect(paths(response)).toEqual(['property.createdBy.clerkUserId', 'property.createdBy.email']);
    expect(codes(response)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });

  it('User.email, User.clerkUserId — admin: yes', async () => {
    const response = await gql('admin', 'query($id: ID!) { user(id: $id) { email clerkUserId } }', { id: people.user.id });
    expect(response.errors).toBeUndefined();
    expect(response.data?.user).toEqual({ email: people.user.email, clerkUserId: people.user.clerkUserId });
  });
});

describe('access: user, users, auditLogs, propertyAt, setUserRole', () => {
  let published: Listing;
  beforeAll(async () => {
    published = await ownersProperty(true);
  });
  const reads = `query($userId: ID!, $propertyId: ID!, $at: DateTime!) {
    user(id: $userId) { id }
    users(first: 1) { totalCount }
    auditLogs(first: 1) { totalCount }
    propertyAt(id: $propertyId, at: $at) { title }
  }`;
  const setRole = 'mutation($id: ID!, $role: Role!) { setUserRole(id: $id, role: $role) { id role } }';
  const readVariables = () => ({ userId: people.user.id, propertyId: published.id, at: new Date().toISOString() });

  for (const caller of ['anon', 'user', 'owner', 'agent'] as const) {
    it(`user, users, auditLogs, propertyAt, setUserRole — ${caller}: no`, async () => {
      const read = await gql(caller, reads, readVariables());
      expect(read.data).toEqual({ user: null, users: null, auditLogs: null, propertyAt: null });
      expect(paths(read)).toEqual(['auditLogs', 'propertyAt', 'user', 'users']);
      expect(new Set(codes(read))).toEqual(new Set([denialFor(caller)]));

      const write = await gql(caller, setRole, { id: people.user.id, role: 'ADMIN' });
      expect(write.data ?? null).toBeNull();
      expect(codes(write)).toEqual([denialFor(caller)]);
      expect((await server.sql('select role from users where id = $1', [Number(people.user.id)]))[0]!.role).toBe('user');
    });
  }

  it('user, users, auditLogs, propertyAt, setUserRole — admin: yes', async () => {
    const read = await gql('admin', reads, readVariables());
    expect(read.errors).toBeUndefined();
    expect(read.data?.user).toEqual({ id: people.user.id });
    expect(read.data?.users.totalCount).toBeGreaterThanOrEqual(5);
    expect(read.data?.auditLogs.totalCount).toBeGreaterThan(0);
    expect(read.data?.propertyAt).toEqual({ title: published.title });

    const promoted = await signIn(server, Role.USER);
    const write = await gql('admin', setRole, { id: promoted.id, role: 'AGENT' });
    expect(write.errors).toBeUndefined();
    expect(write.data?.setUserRole).toEqual({ id: promoted.id, role: 'AGENT' });
  });
});

describe('access: createProperty', () => {
  const create = 'mutation($input: CreatePropertyInput!) { createProperty(input: $input) { title createdBy { id } } }';

  for (const caller of ['anon', 'user'] as const) {
    it(`createProperty — ${caller}: no`, async () => {
      const title = uniqueTitle('refused');
      const response = await gql(caller, create, { input: { title } });
      expect(response.data ?? null).toBeNull();
      expect(codes(response)).toEqual([denialFor(caller)]);
      expect(await server.sql('select id from properties where title = $1', [title])).toEqual([]);
    });
  }

  for (const caller of ['owner', 'agent', 'admin'] as const) {
    it(`createProperty — ${caller}: yes`, async () => {
      const title = uniqueTitle('created');
      const response = await gql(caller, create, { input: { title } });
      expect(response.errors).toBeUndefined();
      expect(response.data?.createProperty).toEqual({ title, createdBy: { id: people[caller].id } });
    });
  }
});

describe('access: updateProperty, publishProperty, unpublishProperty, deleteProperty', () => {
  const changes = {
    updateProperty: 'mutation($id: ID!) { updateProperty(id: $id, input: { title: "changed" }) { id } }',
    publishProperty: 'mutation($id: ID!) { publishProperty(id: $id) { id } }',
    unpublishProperty: 'mutation($id: ID!) { unpublishProperty(id: $id) { id } }',
    deleteProperty: 'mutation($id: ID!) { deleteProperty(id: $id) }',
  };

  /** Tries every change on the listing; returns the error codes, one per change. */
  async function tryEveryChange(caller: Caller, listing: Listing): Promise<Record<string, unknown>> {
    const outcome: Record<string, unknown> = {};
    for (const [name, mutation] of Object.entries(changes)) {
      const response = await gql(caller, mutation, { id: listing.id });
      expect(response.data ?? null).toBeNull();
      outcome[name] = codes(response);
    }
    return outcome;
  }

  const every = (code: string) => Object.fromEntries(Object.keys(changes).map((name) => [name, [code]]));

  for (const caller of ['anon', 'user'] as const) {
    it(`updateProperty, publishProperty, unpublishProperty, deleteProperty — ${caller}: no`, async () => {
      const listing = await ownersProperty(true);
      expect(await tryEveryChange(caller, listing)).toEqual(every(denialFor(caller)));
      expect(await stored(listing.id)).toEqual({ title: listing.title, is_published: true });
    });
  }

  it('updateProperty, publishProperty, unpublishProperty, deleteProperty — agent: FORBIDDEN for a published one', async () => {
    const listing = await ownersProperty(true);
    expect(await tryEveryChange('agent', listing)).toEqual(every('FORBIDDEN'));
    expect(await stored(listing.id)).toEqual({ title: listing.title, is_published: true });
  });

  it('updateProperty, publishProperty, unpublishProperty, deleteProperty — agent: NOT_FOUND for a draft', async () => {
    const listing = await ownersProperty(false);
    expect(await tryEveryChange('agent', listing)).toEqual(every('NOT_FOUND'));
    expect(await stored(listing.id)).toEqual({ title: listing.title, is_published: false });
  });

  for (const caller of ['owner', 'admin'] as const) {
    it(`updateProperty, publishProperty, unpublishProperty, deleteProperty — ${caller}: yes`, async () => {
      const listing = await ownersProperty(true);
      const update = await gql(caller, changes.updateProperty, { id: listing.id });
      expect(update.errors).toBeUndefined();
      expect(await stored(listing.id)).toEqual({ title: 'changed', is_published: true });

      const unpublish = await gql(caller, changes.unpublishProperty, { id: listing.id });
      expect(unpublish.errors).toBeUndefined();
      expect(await stored(listing.id)).toEqual({ title: 'changed', is_published: false });

      const publish = await gql(caller, changes.publishProperty, { id: listing.id });
      expect(publish.errors).toBeUndefined();
      expect(await stored(listing.id)).toEqual({ title: 'changed', is_published: true });

      const remove = await gql(caller, changes.deleteProperty, { id: listing.id });
      expect(remove.errors).toBeUndefined();
      expect(remove.data).toEqual({ deleteProperty: listing.id });
      expect(await stored(listing.id)).toBeUndefined();
    });
  }
});
