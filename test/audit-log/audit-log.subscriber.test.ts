import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrap } from '@mikro-orm/core';
import { runAsSystem } from '../../src/audit-log/system-actor.js';
import { Property } from '../../src/properties/property.entity.js';
import { User } from '../../src/users/user.entity.js';
import { Role } from '../../src/users/role.js';
import type { Orm } from '../../src/db/orm.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn } from '../support/users.js';
import { changeProperty, countEntries, createProperty, entriesOf } from './audit-support.js';

describe('the audit hook', () => {
  let server: TestServer;
  let orm: Orm;
  let systemId: number;
  beforeAll(async () => {
    server = await startTestServer();
    orm = server.server.orm;
    const [system] = await server.sql<{ id: number }>(`select id from users where clerk_user_id = 'system_00000000000000000000'`);
    systemId = system!.id;
  });
  afterAll(async () => {
    await server.close();
  });

  it('writes a CREATE entry listing every audited field with old null', async () => {
    const id = await runAsSystem(orm, async (em) => {
      const property = em.create(Property, { title: 'Sea view', description: 'Two rooms', createdBy: em.getReference(User, systemId) });
      await em.flush();
      return property.id;
    });
    const [entry, ...rest] = await entriesOf(server, 'property', id);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ action: 'create', performed_by: systemId });
    expect(entry!.changes).toEqual({
      title: { old: null, new: 'Sea view' },
      description: { old: null, new: 'Two rooms' },
      isPublished: { old: null, new: false },
      createdBy: { old: null, new: String(systemId) },
      publishedBy: { old: null, new: null },
    });
  });

  it('never lists id, createdAt, updatedAt or updatedBy', async () => {
    const id = await createProperty(orm);
    await changeProperty(orm, id, (property, em) => {
      property.title = 'Renamed';
      property.updatedBy = em.getReference(User, systemId, { wrapped: true });
    });
    const entries = await entriesOf(server, 'property', id);
    const listed = entries.flatMap((entry) => Object.keys(entry.changes ?? {}));
    expect(listed).not.toContain('id');
    expect(listed).not.toContain('createdAt');
    expect(listed).not.toContain('updatedAt');
    expect(listed).not.toContain('updatedBy');
  });

  it('writes an UPDATE entry with only the fields that changed', async () => {
    const id = await createProperty(orm, 'Old title', { description: 'Same' });
    await changeProperty(orm, id, (property) => {
      property.title = 'New title';
      property.description = 'Same';
    });
    const [, update] = await entriesOf(server, 'property', id);
    expect(update).toMatchObject({ action: 'update', changes: { title: { old: 'Old title', new: 'New title' } } });
  });

  it('shows a change made with wrap().assign() on a managed entity (MikroORM #7501)', async () => {
    const id = await createProperty(orm, 'Before assign');
    await changeProperty(orm, id, (property) => {
      wrap(property).assign({ title: 'After assign', description: 'Assigned' });
    });
    const [, update] = await entriesOf(server, 'property', id);
    expect(update?.changes).toEqual({
      title: { old: 'Before assign', new: 'After assign' },
      description: { old: null, new: 'Assigned' },
    });
  });

  it('writes no entry for an update that changes nothing', async () => {
    const id = await createProperty(orm, 'Unchanged');
    await changeProperty(orm, id, (property) => {
      property.title = 'Unchanged';
    });
    expect(await countEntries(server, 'entity_id = $1', [id])).toBe(1);
  });

  it('writes no entry when only updatedBy changes', async () => {
    const id = await createProperty(orm);
    await changeProperty(orm, id, (property, em) => {
      property.updatedBy = em.getReference(User, systemId, { wrapped: true });
    });
    expect(await countEntries(server, 'entity_id = $1', [id])).toBe(1);
  });

  it('compares a related user by id, so re-pointing it at the same user writes nothing', async () => {
    const id = await runAsSystem(orm, async (em) => {
      const property = em.create(Property, { title: 'Owned', createdBy: em.getReference(User, systemId) });
      await em.flush();
      return property.id;
    });
    await changeProperty(orm, id, (property, em) => {
      property.createdBy = em.getReference(User, systemId, { wrapped: true });
    });
    expect(await countEntries(server, 'entity_id = $1', [id])).toBe(1);
  });

  it('writes a related user that changed as its id string', async () => {
    const agent = await signIn(server, Role.AGENT);
    const id = await createProperty(orm);
    await changeProperty(orm, id, (property, em) => {
      property.createdBy = em.getReference(User, Number(agent.id), { wrapped: true });
    });
    const [, update] = await entriesOf(server, 'property', id);
    expect(update?.changes).toEqual({ createdBy: { old: null, new: agent.id } });
  });

  it('writes PUBLISH when isPublished becomes true, listing publishedBy that changed with it', async () => {
    const id = await createProperty(orm);
    await changeProperty(orm, id, (property, em) => {
      property.isPublished = true;
      property.publishedBy = em.getReference(User, systemId, { wrapped: true });
    });
    const [, publish] = await entriesOf(server, 'property', id);
    expect(publish).toMatchObject({
      action: 'publish',
      changes: { isPublished: { old: false, new: true }, publishedBy: { old: null, new: String(systemId) } },
    });
    expect(Object.keys(publish!.changes!)).toHaveLength(2);
  });

  it('writes UNPUBLISH when isPublished becomes false', async () => {
    const id = await createProperty(orm, 'Listed', { isPublished: true });
    await changeProperty(orm, id, (property) => {
      property.isPublished = false;
    });
    const [, unpublish] = await entriesOf(server, 'property', id);
    expect(unpublish).toMatchObject({ action: 'unpublish', changes: { isPublished: { old: true, new: false } } });
  });

  it('writes UPDATE, not PUBLISH, when the title changes together with isPublished', async () => {
    const id = await createProperty(orm, 'Draft');
    await changeProperty(orm, id, (property) => {
      property.isPublished = true;
      property.title = 'Final';
    });
    const [, update] = await entriesOf(server, 'property', id);
    expect(update).toMatchObject({
      action: 'update',
      changes: { isPublished: { old: false, new: true }, title: { old: 'Draft', new: 'Final' } },
    });
  });

  it('writes a DELETE entry listing every audited field with new null', async () => {
    const id = await createProperty(orm, 'Doomed', { description: 'Gone soon', isPublished: true });
    await changeProperty(orm, id, (property, em) => {
      em.remove(property);
    });
    const [, deletion] = await entriesOf(server, 'property', id);
    expect(deletion).toMatchObject({ action: 'delete' });
    expect(deletion!.changes).toEqual({
      title: { old: 'Doomed', new: null },
      description: { old: 'Gone soon', new: null },
      isPublished: { old: true, new: null },
      createdBy: { old: null, new: null },
      publishedBy: { old: null, new: null },
    });
  });

  it('lists the stored values on DELETE even when the entity was changed before its removal', async () => {
    const id = await createProperty(orm, 'Stored title');
    await changeProperty(orm, id, (property, em) => {
      property.title = 'Never stored';
      em.remove(property);
    });
    const [, deletion] = await entriesOf(server, 'property', id);
    expect(deletion?.changes?.title).toEqual({ old: 'Stored title', new: null });
  });

  it('writes nothing for an entity persisted and removed before any flush', async () => {
    const before = await countEntries(server);
    await runAsSystem(orm, async (em) => {
      const property = em.create(Property, { title: 'Never inserted' });
      em.remove(property);
      await em.flush();
    });
    expect(await countEntries(server)).toBe(before);
  });

  it('writes a role change as enum names', async () => {
    const user = await signIn(server, Role.AGENT);
    const [, roleChange] = await entriesOf(server, 'user', user.id);
    expect(roleChange).toMatchObject({ action: 'update', performed_by: systemId, changes: { role: { old: 'USER', new: 'AGENT' } } });
  });

  it('writes a user CREATE with clerkUserId, email and role', async () => {
    const user = await signIn(server);
    const [creation] = await entriesOf(server, 'user', user.id);
    expect(creation).toMatchObject({ action: 'create', performed_by: Number(user.id) });
    expect(creation!.changes).toEqual({
      clerkUserId: { old: null, new: user.clerkUserId },
      email: { old: null, new: user.email },
      role: { old: null, new: 'USER' },
    });
  });

  it('logs each change once across several flushes in one transaction', async () => {
    const id = await createProperty(orm, 'One');
    await runAsSystem(orm, async (em) => {
      await em.transactional(async (tx) => {
        const property = await tx.findOneOrFail(Property, id);
        property.title = 'Two';
        await tx.flush();
        await tx.flush();
        property.description = 'Described';
        await tx.flush();
      });
    });
    const entries = await entriesOf(server, 'property', id);
    expect(entries.map((entry) => entry.changes)).toEqual([
      expect.objectContaining({ title: { old: null, new: 'One' } }),
      { title: { old: 'One', new: 'Two' } },
      { description: { old: null, new: 'Described' } },
    ]);
  });

  it('stores JSON-safe values only: strings, booleans and nulls', async () => {
    const id = await createProperty(orm, 'Types');
    const [row] = await server.sql<{ kinds: string[] }>(
      `select array_agg(distinct jsonb_typeof(value -> side)) as kinds
         from audit_log, jsonb_each(changes), unnest(array['old', 'new']) as side
        where entity_id = $1`,
      [id],
    );
    expect(new Set(row!.kinds)).toEqual(new Set(['string', 'boolean', 'null']));
  });
});
