import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { codesOf, createPropertyAs } from '../support/properties.js';
import { Role } from '../../src/users/role.js';

const CREATE = `mutation($input: CreatePropertyInput!) {
  createProperty(input: $input) { id title description isPublished createdBy { id } updatedBy { id } publishedBy { id } }
}`;
const UPDATE = `mutation($id: ID!, $input: UpdatePropertyInput!) {
  updateProperty(id: $id, input: $input) { id title description updatedAt updatedBy { id } }
}`;
const PUBLISH = 'mutation($id: ID!) { publishProperty(id: $id) { id isPublished updatedAt publishedBy { id } updatedBy { id } } }';
const UNPUBLISH = 'mutation($id: ID!) { unpublishProperty(id: $id) { id isPublished updatedAt publishedBy { id } updatedBy { id } } }';
const DELETE = 'mutation($id: ID!) { deleteProperty(id: $id) }';
const UNKNOWN_ID = '019abcde-0000-7000-8000-00000000dead';

describe('property mutations', () => {
  let server: TestServer;
  let owner: SignedInUser;
  let otherAgent: SignedInUser;
  let admin: SignedInUser;

  const entries = async (id: string) =>
    await server.sql<{ action: string; changes: Record<string, { old: unknown; new: unknown }> }>(
      `select action, changes from audit_log where entity_type = 'property' and entity_id = $1 order by performed_at, id`,
      [id],
    );
  const row = async (id: string) =>
    (await server.sql('select * from properties where id = $1', [id]))[0] as Record<string, unknown> | undefined;

  beforeAll(async () => {
    server = await startTestServer();
    owner = await signIn(server, Role.AGENT);
    otherAgent = await signIn(server, Role.AGENT);
    admin = await signIn(server, Role.ADMIN);
  });
  afterAll(async () => {
    await server.close();
  });

  describe('createProperty', () => {
    it('stores the title trimmed and names the caller as creator and updater', async () => {
      const response = await server.gql(CREATE, { token: owner.token, variables: { input: { title: '  Sea view  ', description: 'Big' } } });
      expect(response.errors).toBeUndefined();
      expect(response.data!.createProperty).toMatchObject({
        title: 'Sea view',
        description: 'Big',
        isPublished: false,
        createdBy: { id: owner.id },
        updatedBy: { id: owner.id },
        publishedBy: null,
      });
      expect(await row(response.data!.createProperty.id)).toMatchObject({ title: 'Sea view', created_by: Number(owner.id) });
    });

    it('names the caller as publisher when it creates the property published', async () => {
      const response = await server.gql(CREATE, { token: owner.token, variables: { input: { title: 'Live', isPublished: true } } });
      expect(response.data!.createProperty).toMatchObject({ isPublished: true, publishedBy: { id: owner.id } });
    });

    it('gives the property a UUID v7 id and writes one CREATE entry', async () => {
      const { id } = await createPropertyAs(server, owner, { title: 'Audited' });
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect((await entries(id)).map((entry) => entry.action)).toEqual(['create']);
    });

    for (const [label, title] of [
      ['an empty title', ''],
      ['a title of spaces', '    '],
      ['a title over 255 characters', 'x'.repeat(256)],
    ] as const) {
      it(`is BAD_USER_INPUT for ${label}, and stores nothing`, async () => {
        const before = await server.sql('select count(*)::int as n from properties');
        const response = await server.gql(CREATE, { token: owner.token, variables: { input: { title } } });
        expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
        expect(await server.sql('select count(*)::int as n from properties')).toEqual(before);
      });
    }

    it('accepts 255 characters after trimming, counting an emoji as one', async () => {
      const title = '🏠'.repeat(255);
      const response = await server.gql(CREATE, { token: owner.token, variables: { input: { title: `  ${title}  ` } } });
      expect(response.errors).toBeUndefined();
      expect(response.data!.createProperty.title).toBe(title);
    });

    it('accepts a description of 20,000 characters and refuses one more', async () => {
      const accepted = await server.gql(CREATE, { token: owner.token, variables: { input: { title: 'Long', description: 'd'.repeat(20_000) } } });
      expect(accepted.errors).toBeUndefined();
      const refused = await server.gql(CREATE, { token: owner.token, variables: { input: { title: 'Long', description: 'd'.repeat(20_001) } } });
      expect(codesOf(refused)).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('updateProperty', () => {
    it('changes the given fields, leaves the others, and names the caller as updater', async () => {
      const { id } = await createPropertyAs(server, owner, { title: 'Before', description: 'Kept' });
      const response = await server.gql(UPDATE, { token: admin.token, variables: { id, input: { title: ' After ' } } });
      expect(response.errors).toBeUndefined();
      expect(response.data!.updateProperty).toMatchObject({ title: 'After', description: 'Kept', updatedBy: { id: admin.id } });
      expect((await entries(id)).at(-1)).toEqual({ action: 'update', changes: { title: { old: 'Before', new: 'After' } } });
    });

    it('clears the description when it is null', async () => {
      const { id } = await createPropertyAs(server, owner, { title: 'Clear', description: 'Gone soon' });
      const response = await server.gql(UPDATE, { token: owner.token, variables: { id, input: { description: null } } });
      expect(response.data!.updateProperty.description).toBeNull();
    });

    it('writes nothing when nothing differs: no entry, same updatedAt and updater', async () => {
      const { id } = await createPropertyAs(server, owner, { title: 'Same', description: 'Same' });
      const before = await row(id);
      const response = await server.gql(UPDATE, { token: admin.token, variables: { id, input: { title: '  Same ', description: 'Same' } } });
      expect(response.errors).toBeUndefined();
      expect(response.data!.updateProperty.updatedBy).toEqual({ id: owner.id });
      expect(await row(id)).toEqual(before);
      expect((await entries(id)).map((entry) => entry.action)).toEqual(['create']);
    });

    it('is BAD_USER_INPUT for a null or blank title', async () => {
      const { id } = await createPropertyAs(server, owner, { title: 'Titled' });
      for (const title of [null, ' ']) {
        const response = await server.gql(UPDATE, { token: owner.token, variables: { id, input: { title } } });
        expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
      }
      expect(await row(id)).toMatchObject({ title: 'Titled' });
    });
  });

  describe('publishProperty and unpublishProperty', () => {
    it('publishes a draft, naming the caller as publisher, and writes one PUBLISH entry', async () => {
      const { id } = await createPropertyAs(server, owner, { title: 'Draft' });
      const response = await server.gql(PUBLISH, { token: admin.token, variables: { id } });
      expect(response.data!.publishProperty).toMatchObject({ isPublished: true, publishedBy: { id: admin.id }, updatedBy: { id: admin.id } });
      expect((await entries(id)).at(-1)).toEqual({
        action: 'publish',
        changes: { isPublished: { old: false, new: true }, publishedBy: { old: null, new: admin.id } },
      });
    });

    it('succeeds and writes nothing when the property is already published', async () => {
      const { id } = await createPropertyAs(server, owner, { title: 'Live', isPublished: true });
      const before = await row(id);
      const response = await server.gql(PUBLISH, { token: admin.token, variables: { id } });
      expect(response.data!.publishProperty).toMatchObject({ isPublished: true, publishedBy: { id: owner.id } });
      expect(await row(id)).toEqual(before);
      expect(await entries(id)).toHaveLength(1);
    });

    it('unpublishes to a draft without a publisher and writes one UNPUBLISH entry', async () => {
      const { id } = await createPropertyAs(server, owner, { title: 'Live', isPublished: true });
      const response = await server.gql(UNPUBLISH, { token: owner.token, variables: { id } });
      expect(response.data!.unpublishProperty).toMatchObject({ isPublished: false, publishedBy: null, updatedBy: { id: owner.id } });
      expect((await entries(id)).at(-1)).toEqual({
        action: 'unpublish',
        changes: { isPublished: { old: true, new: false }, publishedBy: { old: owner.id, new: null } },
      });
    });

    it('succeeds and writes nothing when unpublishing a draft', async () => {
      const { id } = await createPropertyAs(server, owner, { title: 'Draft' });
      const before = await row(id);
      const response = await server.gql(UNPUBLISH, { token: owner.token, variables: { id } });
      expect(response.data!.unpublishProperty.isPublished).toBe(false);
      expect(await row(id)).toEqual(before);
      expect(await entries(id)).toHaveLength(1);
    });
  });

  describe('deleteProperty', () => {
    it('returns the id, removes the row and writes one DELETE entry', async () => {
      const { id } = await createPropertyAs(server, owner, { title: 'Doomed' });
      const response = await server.gql(DELETE, { token: owner.token, variables: { id } });
      expect(response.data).toEqual({ deleteProperty: id });
      expect(await row(id)).toBeUndefined();
      expect((await entries(id)).map((entry) => entry.action)).toEqual(['create', 'delete']);
    });

    it('is NOT_FOUND the second time', async () => {
      const { id } = await createPropertyAs(server, owner, { title: 'Twice' });
      await server.gql(DELETE, { token: owner.token, variables: { id } });
      expect(codesOf(await server.gql(DELETE, { token: owner.token, variables: { id } }))).toEqual(['NOT_FOUND']);
    });
  });

  describe('which property a mutation names', () => {
    const mutations: [string, string, Record<string, unknown>][] = [
      ['updateProperty', UPDATE, { input: { title: 'Taken over' } }],
      ['publishProperty', PUBLISH, {}],
      ['unpublishProperty', UNPUBLISH, {}],
      ['deleteProperty', DELETE, {}],
    ];
    for (const [name, document, variables] of mutations) {
      it(`${name} is NOT_FOUND for an id that names no property`, async () => {
        const response = await server.gql(document, { token: admin.token, variables: { ...variables, id: UNKNOWN_ID } });
        expect(codesOf(response)).toEqual(['NOT_FOUND']);
      });

      it(`${name} is BAD_USER_INPUT for a malformed id`, async () => {
        const response = await server.gql(document, { token: admin.token, variables: { ...variables, id: 'nope' } });
        expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
      });

      it(`${name} by another agent is FORBIDDEN for a published property and NOT_FOUND for a draft, changing nothing`, async () => {
        const published = await createPropertyAs(server, owner, { title: 'Owned live', isPublished: true });
        const draft = await createPropertyAs(server, owner, { title: 'Owned draft' });
        const before = [await row(published.id), await row(draft.id)];
        const onPublished = await server.gql(document, { token: otherAgent.token, variables: { ...variables, id: published.id } });
        const onDraft = await server.gql(document, { token: otherAgent.token, variables: { ...variables, id: draft.id } });
        expect([codesOf(onPublished), codesOf(onDraft)]).toEqual([['FORBIDDEN'], ['NOT_FOUND']]);
        expect([await row(published.id), await row(draft.id)]).toEqual(before);
      });
    }
  });

  describe('concurrent updates of one property', () => {
    it('run one after another: 40 updates leave 40 entries, each old value the previous new one', async () => {
      const { id } = await createPropertyAs(server, owner, { title: 'Title 0' });
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          server.gql(UPDATE, { token: owner.token, variables: { id, input: { title: `Title ${i + 1}` } } }),
        ),
      );
      expect(results.flatMap((result) => result.errors ?? [])).toEqual([]);
      const updates = (await entries(id)).filter((entry) => entry.action === 'update');
      expect(updates).toHaveLength(40);
      let previous = 'Title 0';
      for (const entry of updates) {
        expect(entry.changes.title!.old).toBe(previous);
        previous = entry.changes.title!.new as string;
      }
      expect(await row(id)).toMatchObject({ title: previous });
    });
  });
});
