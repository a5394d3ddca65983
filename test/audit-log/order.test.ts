import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runAsSystem } from '../../src/audit-log/system-actor.js';
import { Property } from '../../src/properties/property.entity.js';
import type { Orm } from '../../src/db/orm.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { changeProperty, createProperty } from './audit-support.js';

interface Listed {
  title: { old: unknown; new: unknown } | undefined;
  performed_at: Date;
}

/** The entity's entries as auditLogs lists them: newest first by (performed_at DESC, id DESC). */
async function newestFirst(server: TestServer, id: string): Promise<Listed[]> {
  const rows = await server.sql<{ changes: Record<string, { old: unknown; new: unknown }>; performed_at: Date }>(
    `select changes, performed_at from audit_log where entity_type = 'property' and entity_id = $1 order by performed_at desc, id desc`,
    [id],
  );
  return rows.map((row) => ({ title: row.changes.title, performed_at: row.performed_at }));
}

const titles = (listed: Listed[]): unknown[] => listed.map((entry) => entry.title?.new);

describe('the order of one entity\'s entries', () => {
  let server: TestServer;
  let orm: Orm;
  beforeAll(async () => {
    server = await startTestServer();
    orm = server.server.orm;
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await server.close();
  });

  it('follows commit order for two changes in one transaction', async () => {
    const id = await createProperty(orm, 'A');
    await runAsSystem(orm, (em) =>
      em.transactional(async (tx) => {
        const property = await tx.findOneOrFail(Property, id);
        property.title = 'B';
        await tx.flush();
        property.title = 'C';
      }),
    );
    expect(titles(await newestFirst(server, id))).toEqual(['C', 'B', 'A']);
  });

  it('follows commit order for changes stamped in the same millisecond', async () => {
    const id = await createProperty(orm, 'A');
    const frozen = Date.now() + 5;
    vi.spyOn(Date, 'now').mockReturnValue(frozen);
    for (const title of ['B', 'C', 'D']) {
      await changeProperty(orm, id, (property) => {
        property.title = title;
      });
    }
    const listed = await newestFirst(server, id);
    expect(titles(listed)).toEqual(['D', 'C', 'B', 'A']);
    expect(new Set(listed.slice(0, 3).map((entry) => entry.performed_at.getTime()))).toEqual(new Set([frozen]));
  });

  it('follows commit order when the wall clock steps back between two changes', async () => {
    const id = await createProperty(orm, 'A');
    const start = Date.now() + 5;
    const now = vi.spyOn(Date, 'now').mockReturnValue(start);
    await changeProperty(orm, id, (property) => {
      property.title = 'B';
    });
    now.mockReturnValue(start - 3_600_000);
    await changeProperty(orm, id, (property) => {
      property.title = 'C';
    });
    expect(titles(await newestFirst(server, id))).toEqual(['C', 'B', 'A']);
  });
});
