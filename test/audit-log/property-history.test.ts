import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { runAsSystem } from '../../src/audit-log/system-actor.js';
import { Property } from '../../src/properties/property.entity.js';
import { Role } from '../../src/users/role.js';
import type { Orm } from '../../src/db/orm.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { changeProperty, createProperty, entriesOf } from './audit-support.js';

interface Version {
  propertyId: string;
  at: string;
  title: string;
  description: string | null;
  isPublished: boolean;
}
type State = Omit<Version, 'propertyId' | 'at'>;

const PROPERTY_AT = `query PropertyAt($id: ID!, $at: DateTime!) {
  propertyAt(id: $id, at: $at) { propertyId at title description isPublished }
}`;

/** A dozen changes, each with the state it leaves (null once deleted). */
const SCRIPT: { change: (property: Property) => void; after: State | null }[] = [
  { change: (p) => void (p.title = 'Two'), after: { title: 'Two', description: null, isPublished: false } },
  { change: (p) => void (p.description = 'Sea view'), after: { title: 'Two', description: 'Sea view', isPublished: false } },
  { change: (p) => void (p.isPublished = true), after: { title: 'Two', description: 'Sea view', isPublished: true } },
  { change: (p) => void (p.title = 'Three'), after: { title: 'Three', description: 'Sea view', isPublished: true } },
  { change: (p) => void (p.isPublished = false), after: { title: 'Three', description: 'Sea view', isPublished: false } },
  { change: (p) => void (p.description = null), after: { title: 'Three', description: null, isPublished: false } },
  { change: (p) => void Object.assign(p, { title: 'Four', description: 'Garden' }), after: { title: 'Four', description: 'Garden', isPublished: false } },
  { change: (p) => void (p.isPublished = true), after: { title: 'Four', description: 'Garden', isPublished: true } },
  { change: (p) => void (p.title = 'Five'), after: { title: 'Five', description: 'Garden', isPublished: true } },
  { change: (p) => void Object.assign(p, { title: 'Six', isPublished: false }), after: { title: 'Six', description: 'Garden', isPublished: false } },
  { change: (p) => void (p.description = 'Pool'), after: { title: 'Six', description: 'Pool', isPublished: false } },
];

describe('propertyAt(id, at)', () => {
  let server: TestServer;
  let orm: Orm;
  let admin: SignedInUser;
  const propertyAt = async (id: string, at: Date | string, token = admin.token) =>
    await server.gql<{ propertyAt: Version | null }>(PROPERTY_AT, {
      token,
      variables: { id, at: at instanceof Date ? at.toISOString() : at },
    });

  beforeAll(async () => {
    server = await startTestServer();
    orm = server.server.orm;
    admin = await signIn(server, Role.ADMIN);
  });
  afterAll(async () => {
    await server.close();
  });

  it('rebuilds the property at every instant of a scripted history, null before its CREATE and after its DELETE', async () => {
    const id = await createProperty(orm, 'One');
    const states: (State | null)[] = [{ title: 'One', description: null, isPublished: false }];
    for (const step of SCRIPT) {
      // Distinct milliseconds, so that there is an instant strictly between each two changes.
      await sleep(3);
      await changeProperty(orm, id, step.change);
      states.push(step.after);
    }
    await sleep(3);
    await changeProperty(orm, id, (property, em) => em.remove(property));
    states.push(null);

    const instants = (await entriesOf(server, 'property', id)).map((entry) => entry.performed_at.getTime());
    expect(instants).toHaveLength(13);
    const expected: { at: number; state: State | null }[] = [{ at: instants[0]! - 1, state: null }];
    instants.forEach((at, i) => {
      const next = instants[i + 1] ?? at + 1_000;
      expect(next).toBeGreaterThan(at + 1);
      for (const between of [at, Math.floor((at + next) / 2), next - 1]) expected.push({ at: between, state: states[i]! });
    });

    const actual = await Promise.all(expected.map(async ({ at }) => (await propertyAt(id, new Date(at))).data?.propertyAt ?? null));
    expect(actual).toEqual(
      expected.map(({ at, state }) => (state ? { propertyId: id, at: new Date(at).toISOString(), ...state } : null)),
    );
  });

  it('reaches the last state before a DELETE at an instant before it', async () => {
    const id = await createProperty(orm, 'Last words', { description: 'Kept in the log' });
    await sleep(3);
    await changeProperty(orm, id, (property, em) => em.remove(property));
    const [, deletion] = await entriesOf(server, 'property', id);
    const response = await propertyAt(id, new Date(deletion!.performed_at.getTime() - 1));
    expect(response.data?.propertyAt).toMatchObject({ title: 'Last words', description: 'Kept in the log', isPublished: false });
  });

  it('applies changes stamped in the same millisecond in commit order', async () => {
    const id = await createProperty(orm, 'First');
    const frozen = Date.now() + 5;
    vi.spyOn(Date, 'now').mockReturnValue(frozen);
    try {
      await runAsSystem(orm, (em) =>
        em.transactional(async (tx) => {
          const property = await tx.findOneOrFail(Property, id);
          property.title = 'Second';
          await tx.flush();
          property.title = 'Third';
        }),
      );
    } finally {
      vi.restoreAllMocks();
    }
    expect((await propertyAt(id, new Date(frozen))).data?.propertyAt?.title).toBe('Third');
  });

  it('is null for an id that names no property', async () => {
    const response = await propertyAt('019abcde-0000-7000-8000-00000000beef', new Date());
    expect(response.errors).toBeUndefined();
    expect(response.data?.propertyAt).toBeNull();
  });

  it('is BAD_USER_INPUT for a malformed id', async () => {
    const response = await propertyAt('not-a-uuid', new Date());
    expect(response.data?.propertyAt ?? null).toBeNull();
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('is BAD_USER_INPUT for a malformed instant', async () => {
    const response = await propertyAt('019abcde-0000-7000-8000-00000000beef', 'yesterday');
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('is FORBIDDEN to an agent', async () => {
    const agent = await signIn(server, Role.AGENT);
    const response = await propertyAt('019abcde-0000-7000-8000-00000000beef', new Date(), agent.token);
    expect(response.data?.propertyAt).toBeNull();
    expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('is UNAUTHENTICATED to an anonymous caller', async () => {
    const response = await server.gql(PROPERTY_AT, { variables: { id: '019abcde-0000-7000-8000-00000000beef', at: new Date().toISOString() } });
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
