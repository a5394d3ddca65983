import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../src/users/role.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { codesOf, createPropertyAs } from '../support/properties.js';
import { withClient } from '../support/databases.js';
import { auditedSql } from '../support/audited-sql.js';
import type { ChainCheck } from '../../src/audit-log/audit-chain-check.js';

const TRAIL = `query Trail($id: ID!) { property(id: $id) { auditTrail(first: 50) { nodes { seq hash previousHash action } } } }`;
const VERIFY = `query Verify($type: String!, $id: ID!) {
  verifyAuditChain(entityType: $type, entityId: $id) { entityType entityId length valid firstBrokenSeq problem headHash }
}`;
const RENAME = `mutation Rename($id: ID!, $title: String!) { updateProperty(id: $id, input: { title: $title }) { id } }`;


interface Entry {
  seq: number;
  hash: string;
  previousHash: string | null;
  action: string;
}

describe('the audit chain of each entity', () => {
  let server: TestServer;
  let admin: SignedInUser;
  let agent: SignedInUser;
  beforeAll(async () => {
    server = await startTestServer();
    admin = await signIn(server, Role.ADMIN);
    agent = await signIn(server, Role.AGENT);
  });
  afterAll(async () => {
    await server.close();
  });

  const verify = async (type: string, id: string, token = admin.token) =>
    await server.gql<{ verifyAuditChain: ChainCheck }>(VERIFY, { token, variables: { type, id } });
  const checkOf = async (type: string, id: string): Promise<ChainCheck> => {
    const response = await verify(type, id);
    expect(response.errors).toBeUndefined();
    return response.data!.verifyAuditChain;
  };

  /** A property with `updates` renames through the API after its creation: a chain of 1 + updates entries. */
  async function propertyWithHistory(updates: number): Promise<string> {
    const property = await createPropertyAs(server, agent, { title: 'Chained' });
    for (let i = 1; i <= updates; i++) {
      const response = await server.gql(RENAME, { token: agent.token, variables: { id: property.id, title: `Chained ${i}` } });
      expect(response.errors).toBeUndefined();
    }
    return property.id;
  }

  /** Tampering as the owner behind the triggers' back, as someone who can disable them would. */
  async function tamper(...statements: string[]): Promise<void> {
    await withClient(server.databaseUrl, async (client) => {
      await client.query('begin');
      await client.query('set local session_replication_role = replica');
      for (const statement of statements) await client.query(statement);
      await client.query('commit');
    });
  }

  it('numbers entries 1, 2, 3… and links each to the previous hash, for server writes', async () => {
    const id = await propertyWithHistory(2);
    const response = await server.gql<{ property: { auditTrail: { nodes: Entry[] } } }>(TRAIL, { token: admin.token, variables: { id } });
    const entries = response.data!.property.auditTrail.nodes.slice().reverse();
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect(entries[0]!.previousHash).toBeNull();
    for (const entry of entries) expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entries[1]!.previousHash).toBe(entries[0]!.hash);
    expect(entries[2]!.previousHash).toBe(entries[1]!.hash);
    expect(await checkOf('property', id)).toEqual({
      entityType: 'property',
      entityId: id,
      length: 3,
      valid: true,
      firstBrokenSeq: null,
      problem: null,
      headHash: entries[2]!.hash,
    });
  });

  it('chains entries written by SQL with only the contract columns, and ignores forged chain columns', async () => {
    const id = await propertyWithHistory(0);
    await auditedSql(server, { type: 'property', action: 'update' }, `update properties set title = 'By SQL' where id = $1`, [id]);
    await server.sql(
      `insert into audit_log (id, entity_type, entity_id, action, performed_by, changes, seq, previous_hash, hash)
       values (gen_random_uuid(), 'property', $1, 'update', null, '{}', 1, null, repeat('0', 64))`,
      [id],
    );
    const rows = await server.sql<{ seq: number; hash: string; previous_hash: string | null }>(
      `select seq, hash, previous_hash from audit_log where entity_type = 'property' and entity_id = $1 order by seq`,
      [id],
    );
    expect(rows.map((row) => row.seq)).toEqual([1, 2, 3]);
    expect(rows[2]!.hash).not.toBe('0'.repeat(64));
    expect(rows[2]!.previous_hash).toBe(rows[1]!.hash);
    expect((await checkOf('property', id)).valid).toBe(true);
  });

  it('hashes the hex SHA-256 of the previous hash and the canonical content, computed independently here', async () => {
    const id = await propertyWithHistory(1);
    const [row] = await server.sql<{ hash: string; expected: string }>(
      `select hash, encode(sha256(convert_to(coalesce(previous_hash, '') || jsonb_build_array(entity_type, entity_id, action, changes, actor_id,
              to_char(performed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), ip_address, user_agent)::text, 'UTF8')), 'hex') as expected
         from audit_log where entity_type = 'property' and entity_id = $1 and seq = 2`,
      [id],
    );
    expect(row!.hash).toBe(row!.expected);
  });

  it("keeps a chain valid after its actor's deletion nulls performed_by", async () => {
    const author = await signIn(server, Role.AGENT);
    const property = await createPropertyAs(server, author, { title: 'Authored' });
    await auditedSql(server, { type: 'user', action: 'delete' }, 'delete from users where id = $1', [Number(author.id)]);
    const [entry] = await server.sql(`select performed_by, actor_id from audit_log where entity_type = 'property' and entity_id = $1`, [property.id]);
    expect(entry).toEqual({ performed_by: null, actor_id: Number(author.id) });
    expect((await checkOf('property', property.id)).valid).toBe(true);
    expect((await checkOf('user', author.id)).valid).toBe(true);
  });

  it('answers an unknown entity with a valid chain of length 0', async () => {
    expect(await checkOf('property', randomUUID())).toMatchObject({ length: 0, valid: true, firstBrokenSeq: null, headHash: null });
    expect(await checkOf('booking', 'anything')).toMatchObject({ length: 0, valid: true });
  });

  it('is BAD_USER_INPUT for a malformed id, and admin only', async () => {
    expect(codesOf(await verify('property', 'not-a-uuid'))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await verify('user', '-1'))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await verify('property', randomUUID(), agent.token))).toEqual(['FORBIDDEN']);
    expect(codesOf(await server.gql(VERIFY, { variables: { type: 'property', id: randomUUID() } }))).toEqual(['UNAUTHENTICATED']);
  });

  describe('detects tampering done with the triggers disabled', () => {
    it("an entry's changes altered", async () => {
      const id = await propertyWithHistory(3);
      await tamper(`update audit_log set changes = '{"title": {"old": "a", "new": "forged"}}' where entity_type = 'property' and entity_id = '${id}' and seq = 2`);
      expect(await checkOf('property', id)).toMatchObject({ valid: false, firstBrokenSeq: 2, length: 4 });
      expect((await checkOf('property', id)).problem).toMatch(/^content/);
    });

    it('a middle entry deleted', async () => {
      const id = await propertyWithHistory(3);
      await tamper(`delete from audit_log where entity_type = 'property' and entity_id = '${id}' and seq = 2`);
      const check = await checkOf('property', id);
      expect(check).toMatchObject({ valid: false, firstBrokenSeq: 3, length: 3 });
      expect(check.problem).toMatch(/^sequence/);
    });

    it('the last entry deleted (the head remembers it)', async () => {
      const id = await propertyWithHistory(2);
      await tamper(`delete from audit_log where entity_type = 'property' and entity_id = '${id}' and seq = 3`);
      const check = await checkOf('property', id);
      expect(check).toMatchObject({ valid: false, firstBrokenSeq: 2 });
      expect(check.problem).toMatch(/^head/);
    });

    it('a forged entry inserted', async () => {
      const id = await propertyWithHistory(2);
      await tamper(
        `insert into audit_log (id, entity_type, entity_id, action, performed_by, changes, seq, previous_hash, hash)
         select gen_random_uuid(), 'property', '${id}', 'update', null, '{}', 4, hash, repeat('a', 64)
           from audit_log where entity_type = 'property' and entity_id = '${id}' and seq = 3`,
      );
      expect(await checkOf('property', id)).toMatchObject({ valid: false, firstBrokenSeq: 4, length: 4 });
    });

    it('a forged entry slipped in the middle, with later entries renumbered', async () => {
      const id = await propertyWithHistory(2);
      const where = `entity_type = 'property' and entity_id = '${id}'`;
      await tamper(
        `update audit_log set seq = seq + 10 where ${where} and seq >= 2`,
        `update audit_log set seq = seq - 9 where ${where} and seq >= 12`,
        `insert into audit_log (id, entity_type, entity_id, action, performed_by, changes, seq, previous_hash, hash)
         select gen_random_uuid(), 'property', '${id}', 'update', null, '{}', 2, hash,
                audit_log_entry_hash(hash, 'property', '${id}', 'update', '{}', null, now(), null, null)
           from audit_log where ${where} and seq = 1`,
      );
      const check = await checkOf('property', id);
      expect(check).toMatchObject({ valid: false, length: 4 });
      expect(check.firstBrokenSeq).toBeLessThanOrEqual(3);
    });

    it('two entries reordered', async () => {
      const id = await propertyWithHistory(3);
      const where = `entity_type = 'property' and entity_id = '${id}'`;
      await tamper(
        `update audit_log set seq = -1 where ${where} and seq = 2`,
        `update audit_log set seq = 2 where ${where} and seq = 3`,
        `update audit_log set seq = 3 where ${where} and seq = -1`,
      );
      const check = await checkOf('property', id);
      expect(check).toMatchObject({ valid: false, firstBrokenSeq: 2, length: 4 });
      expect(check.problem).toMatch(/^link/);
    });
  });
});
