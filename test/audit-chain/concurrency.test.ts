import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../src/users/role.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { createPropertyAs } from '../support/properties.js';
import { auditedSql } from '../support/audited-sql.js';

const WRITERS = 50;
const RENAME = `mutation Rename($id: ID!, $title: String!) { updateProperty(id: $id, input: { title: $title }) { id } }`;
const VERIFY = `query Verify($id: ID!) { verifyAuditChain(entityType: "property", entityId: $id) { length valid firstBrokenSeq problem headHash } }`;

describe(`${WRITERS} concurrent writers on one property, through the server and by SQL`, () => {
  let server: TestServer;
  let admin: SignedInUser;
  let propertyId: string;
  let committed: number;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await signIn(server, Role.ADMIN);
    propertyId = (await createPropertyAs(server, admin, { title: 'Contended' })).id;
    const writes = Array.from({ length: WRITERS }, async (_, i): Promise<boolean> => {
      const title = `Contended ${i}`;
      if (i % 2 === 0) {
        const response = await server.gql(RENAME, { token: admin.token, variables: { id: propertyId, title } });
        return response.errors === undefined;
      }
      const rows = await auditedSql(server, { type: 'property', action: 'update' }, 'update properties set title = $1 where id = $2', [title, propertyId]);
      return rows.length === 1;
    });
    committed = (await Promise.all(writes)).filter(Boolean).length;
  });
  afterAll(async () => {
    await server.close();
  });

  it('commit every write', () => {
    expect(committed).toBe(WRITERS);
  });

  it('leave one chain numbered 1…n without gap or fork, each entry linked to the one before', async () => {
    const rows = await server.sql<{ seq: number; hash: string; previous_hash: string | null }>(
      `select seq, hash, previous_hash from audit_log where entity_type = 'property' and entity_id = $1 order by seq`,
      [propertyId],
    );
    expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: WRITERS + 1 }, (_, i) => i + 1));
    rows.forEach((row, i) => expect(row.previous_hash).toBe(i === 0 ? null : rows[i - 1]!.hash));
  });

  it('verify as valid', async () => {
    const response = await server.gql(VERIFY, { token: admin.token, variables: { id: propertyId } });
    expect(response.data?.verifyAuditChain).toMatchObject({ length: WRITERS + 1, valid: true, firstBrokenSeq: null, problem: null });
  });
});
