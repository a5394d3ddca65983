import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAsSystem } from '../../src/audit-log/system-actor.js';
import { User } from '../../src/users/user.entity.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn } from '../support/users.js';
import { createProperty, entriesOf, type AuditRow } from './audit-support.js';

describe('audit_log in the database', () => {
  let server: TestServer;
  let entryId: string;
  beforeAll(async () => {
    server = await startTestServer();
    const propertyId = await createProperty(server.server.orm, 'Audited');
    entryId = (await entriesOf(server, 'property', propertyId))[0]!.id;
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses UPDATE', async () => {
    await expect(server.sql(`update audit_log set action = 'delete' where id = $1`, [entryId])).rejects.toThrow(/append-only/);
    expect((await server.sql('select action from audit_log where id = $1', [entryId]))[0]?.action).toBe('create');
  });

  it('refuses an UPDATE that only clears performed_by, when it does not come from deleting the user', async () => {
    await expect(server.sql('update audit_log set performed_by = null where id = $1', [entryId])).rejects.toThrow(/append-only/);
  });

  it('refuses DELETE', async () => {
    await expect(server.sql('delete from audit_log where id = $1', [entryId])).rejects.toThrow(/append-only/);
    expect(await server.sql('select id from audit_log where id = $1', [entryId])).toHaveLength(1);
  });

  it('refuses TRUNCATE', async () => {
    await expect(server.sql('truncate audit_log')).rejects.toThrow(/append-only/);
    expect(await server.sql('select id from audit_log where id = $1', [entryId])).toHaveLength(1);
  });

  it('keeps the entries of a deleted user, with performed_by null and nothing else changed', async () => {
    const user = await signIn(server);
    await createProperty(server.server.orm);
    const byUser = (): Promise<AuditRow[]> => server.sql<AuditRow>('select * from audit_log where performed_by = $1 order by id', [user.id]);
    const before = await byUser();
    expect(before.length).toBeGreaterThan(0);

    await runAsSystem(server.server.orm, async (em) => {
      em.remove(await em.findOneOrFail(User, Number(user.id)));
      await em.flush();
    });

    expect(await byUser()).toEqual([]);
    const after = await server.sql<AuditRow>('select * from audit_log where id = any($1) order by id', [before.map((row) => row.id)]);
    expect(after).toEqual(before.map((row) => ({ ...row, performed_by: null })));
  });
});
