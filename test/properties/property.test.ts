import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { auditedSql } from '../support/audited-sql.js';

describe('property(id)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('is BAD_USER_INPUT for a malformed id', async () => {
    const response = await server.gql('{ property(id: "not-a-uuid") { id } }');
    expect(response.data?.property).toBeNull();
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('is null for an id that names no property', async () => {
    const response = await server.gql('{ property(id: "019abcde-0000-7000-8000-000000000000") { id } }');
    expect(response.errors).toBeUndefined();
    expect(response.data?.property).toBeNull();
  });

  it('returns a published property to an anonymous caller', async () => {
    const [row] = await auditedSql<{ id: string }>(
      server,
      { type: 'property', action: 'create' },
      `insert into properties (id, title, is_published) values ('019abcde-0000-7000-8000-000000000001', 'Sea view', true)`,
    );
    const response = await server.gql(`{ property(id: "${row!.id}") { id title isPublished } }`);
    expect(response.data?.property).toEqual({ id: row!.id, title: 'Sea view', isPublished: true });
  });
});
