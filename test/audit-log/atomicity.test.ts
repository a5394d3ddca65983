import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeSetType, type EventSubscriber, type FlushEventArgs } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { runAsActor } from '../../src/audit-log/actor.js';
import { runAsSystem } from '../../src/audit-log/system-actor.js';
import { UnwrittenCreateError } from '../../src/audit-log/audit-log.subscriber.js';
import { Property } from '../../src/properties/property.entity.js';
import type { Orm } from '../../src/db/orm.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { countEntries, createProperty, entriesOf, ownOrm } from './audit-support.js';

const GHOST_TITLE = 'ghost: its INSERT is dropped';

/** Stands in for MikroORM #7542: after the audit hook has seen a CREATE change set, its INSERT is dropped. */
class DropInsertOfGhosts implements EventSubscriber {
  onFlush({ uow }: FlushEventArgs): void {
    for (const changeSet of uow.getChangeSets()) {
      if (changeSet.type === ChangeSetType.CREATE && changeSet.entity instanceof Property && changeSet.entity.title === GHOST_TITLE) {
        uow.computeChangeSet(changeSet.entity, ChangeSetType.DELETE);
      }
    }
  }
}

/** Runs `work` with an actor whose address does not fit audit_log.ip_address (varchar 45), so the audit INSERT fails. */
async function withOverlongAddress<T>(systemId: number, work: () => Promise<T>): Promise<T> {
  return await runAsActor({ performerId: systemId, ipAddress: '2001:0db8:85a3:0000:0000:8a2e:0370:7334%eth0-too-long', userAgent: null }, work);
}

const titleOf = async (server: TestServer, id: string): Promise<string | undefined> =>
  (await server.sql<{ title: string }>('select title from properties where id = $1', [id]))[0]?.title;

describe('the audit entry and its change', () => {
  let server: TestServer;
  let orm: Orm;
  let statements: string[];
  let systemId: number;
  beforeAll(async () => {
    server = await startTestServer();
    ({ orm, statements } = await ownOrm(server));
    orm.em.getEventManager().registerSubscriber(new DropInsertOfGhosts());
    const [system] = await server.sql<{ id: number }>(`select id from users where clerk_user_id = 'system_00000000000000000000'`);
    systemId = system!.id;
  });
  afterAll(async () => {
    await orm.close();
    await server.close();
  });

  describe('in em.transactional', () => {
    it('leaves neither the change nor its entry when the transaction throws after the flush', async () => {
      const id = await createProperty(orm, 'Kept');
      await expect(
        runAsSystem(orm, (em) =>
          em.transactional(async (tx) => {
            (await tx.findOneOrFail(Property, id)).title = 'Rolled back';
            await tx.flush();
            throw new Error('after the flush');
          }),
        ),
      ).rejects.toThrow('after the flush');
      expect(await titleOf(server, id)).toBe('Kept');
      expect(await entriesOf(server, 'property', id)).toHaveLength(1);
    });

    it('rolls the change back when its audit insert fails', async () => {
      const id = await createProperty(orm, 'Kept');
      const em = orm.em.fork();
      await expect(
        withOverlongAddress(systemId, () =>
          em.transactional(async (tx) => {
            (await tx.findOneOrFail(Property, id)).title = 'Rolled back';
          }),
        ),
      ).rejects.toThrow(/too long/);
      expect(await titleOf(server, id)).toBe('Kept');
      expect(await entriesOf(server, 'property', id)).toHaveLength(1);
    });

    it('writes no entry when the change itself fails', async () => {
      const before = await countEntries(server);
      await expect(
        runAsSystem(orm, (em) => em.transactional(async (tx) => void tx.create(Property, { title: 'x'.repeat(300) }))),
      ).rejects.toThrow(/too long/);
      expect(await countEntries(server)).toBe(before);
    });

    it('refuses to commit a CREATE entry whose INSERT never ran (MikroORM #7542)', async () => {
      const before = await countEntries(server);
      await expect(
        runAsSystem(orm, (em) => em.transactional(async (tx) => void tx.create(Property, { title: GHOST_TITLE }))),
      ).rejects.toBeInstanceOf(UnwrittenCreateError);
      expect(await countEntries(server)).toBe(before);
    });
  });

  describe('in a bare em.flush', () => {
    it('rolls the change back when its audit insert fails', async () => {
      const id = await createProperty(orm, 'Kept');
      const em = orm.em.fork();
      (await em.findOneOrFail(Property, id)).title = 'Rolled back';
      await expect(withOverlongAddress(systemId, () => em.flush())).rejects.toThrow(/too long/);
      expect(await titleOf(server, id)).toBe('Kept');
      expect(await entriesOf(server, 'property', id)).toHaveLength(1);
    });

    it('writes no entry when the change itself fails', async () => {
      const before = await countEntries(server);
      await expect(
        runAsSystem(orm, async (em) => {
          em.create(Property, { title: 'x'.repeat(300) });
          await em.flush();
        }),
      ).rejects.toThrow(/too long/);
      expect(await countEntries(server)).toBe(before);
    });

    it('refuses to commit a CREATE entry whose INSERT never ran (MikroORM #7542)', async () => {
      const before = await countEntries(server);
      await expect(
        runAsSystem(orm, async (em) => {
          em.create(Property, { title: GHOST_TITLE });
          await em.flush();
        }),
      ).rejects.toBeInstanceOf(UnwrittenCreateError);
      expect(await countEntries(server)).toBe(before);
    });

    it('writes the entry once when a failed flush is retried', async () => {
      const id = await createProperty(orm, 'First');
      const em = orm.em.fork();
      (await em.findOneOrFail(Property, id)).title = 'Second';
      await expect(withOverlongAddress(systemId, () => em.flush())).rejects.toThrow(/too long/);
      await runAsSystem(orm, () => em.flush());
      const entries = await entriesOf(server, 'property', id);
      expect(entries.map((entry) => entry.changes?.title)).toEqual([
        { old: null, new: 'First' },
        { old: 'First', new: 'Second' },
      ]);
      expect(entries[1]?.ip_address).toBeNull();
    });
  });

  describe('in bulk', () => {
    const BULK = 1_000;

    /** Runs `work` as the system user and returns the INSERT INTO audit_log statements it sent. */
    async function auditInsertsDuring(work: (em: EntityManager) => Promise<void>): Promise<string[]> {
      statements.length = 0;
      await runAsSystem(orm, work);
      return statements.filter((sql) => sql.startsWith('insert into "audit_log"'));
    }

    it('writes one CREATE entry per property created in one flush, in batched inserts', async () => {
      let ids: string[] = [];
      const inserts = await auditInsertsDuring(async (em) => {
        ids = Array.from({ length: BULK }, (_, i) => em.create(Property, { title: `Bulk ${i}` }).id);
        await em.flush();
      });
      expect(await countEntries(server, `action = 'create' and entity_id = any($1)`, [ids])).toBe(BULK);
      expect(inserts.length).toBe(Math.ceil(BULK / orm.config.get('batchSize')));
    });

    it('writes one UPDATE entry per property changed in one flush, in batched inserts', async () => {
      const ids = await runAsSystem(orm, async (em) => {
        const created = Array.from({ length: BULK }, (_, i) => em.create(Property, { title: `Bulk update ${i}` }).id);
        await em.flush();
        return created;
      });
      const inserts = await auditInsertsDuring(async (em) => {
        for (const property of await em.find(Property, { id: { $in: ids } })) property.title = `${property.title} renamed`;
        await em.flush();
      });
      expect(await countEntries(server, `action = 'update' and entity_id = any($1)`, [ids])).toBe(BULK);
      expect(inserts.length).toBe(Math.ceil(BULK / orm.config.get('batchSize')));
    });
  });
});
