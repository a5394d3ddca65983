import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { SignJWT } from 'jose';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';
import { auditedSql } from '../support/audited-sql.js';

const SYSTEM_USER = 'system_00000000000000000000';

const subject = (): string => `user_${randomUUID().replaceAll('-', '')}`;

describe('identity: the token subject is users.clerk_user_id', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const usersWith = (clerkUserId: string) => server.sql('select id, role, email from users where clerk_user_id = $1', [clerkUserId]);
  const auditRowsFor = (userId: number | string) =>
    server.sql(
      `select entity_type, entity_id, action, performed_by, changes, ip_address, user_agent
         from audit_log where entity_type = 'user' and entity_id = $1`,
      [String(userId)],
    );

  it('creates an unknown subject as one user with role USER and the email claim', async () => {
    const sub = subject();
    const response = await server.gql('{ me { id role email clerkUserId } }', { token: await signToken(sub, { email: `${sub}@example.com` }) });
    expect(response.data?.me).toMatchObject({ role: 'USER', email: `${sub}@example.com`, clerkUserId: sub });
    expect(await usersWith(sub)).toEqual([{ id: Number(response.data?.me.id), role: 'user', email: `${sub}@example.com` }]);
  });

  it('audits the creation once, as performed by the new user', async () => {
    const sub = subject();
    const response = await server.gql('{ me { id } }', {
      token: await signToken(sub),
      headers: { 'user-agent': 'identity-test/1.0' },
    });
    const userId = Number(response.data?.me.id);
    const rows = await auditRowsFor(userId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ entity_type: 'user', action: 'create', performed_by: userId, user_agent: 'identity-test/1.0' });
    expect(rows[0]!.changes).toEqual({
      clerkUserId: { old: null, new: sub },
      email: { old: null, new: `${sub}@example.com` },
      role: { old: null, new: 'USER' },
    });
  });

  it('writes nothing more when a known user signs in again', async () => {
    const sub = subject();
    const token = await signToken(sub);
    const first = await server.gql('{ me { id } }', { token });
    await server.gql('{ me { id } }', { token });
    expect(await usersWith(sub)).toHaveLength(1);
    expect(await auditRowsFor(first.data?.me.id)).toHaveLength(1);
  });

  it('is UNAUTHENTICATED, naming the email claim, for a first sign-in without one', async () => {
    const sub = subject();
    const response = await server.gql('{ me { id } }', { token: await signToken(sub, { email: null }) });
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(response.errors?.[0]?.message).toMatch(/email/);
    expect(await usersWith(sub)).toEqual([]);
  });

  it('is UNAUTHENTICATED for a first sign-in whose email claim is not an address', async () => {
    const sub = subject();
    const response = await server.gql('{ me { id } }', { token: await signToken(sub, { email: 'not an address' }) });
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await usersWith(sub)).toEqual([]);
  });

  it('lets a known user sign in with a token that carries no email claim', async () => {
    const sub = subject();
    await server.gql('{ me { id } }', { token: await signToken(sub) });
    const response = await server.gql('{ me { clerkUserId } }', { token: await signToken(sub, { email: null }) });
    expect(response.data?.me).toEqual({ clerkUserId: sub });
  });

  it('is UNAUTHENTICATED for a new subject whose email already belongs to another user', async () => {
    const owner = subject();
    const email = `${owner}@example.com`;
    await server.gql('{ me { id } }', { token: await signToken(owner, { email }) });
    const impostor = subject();
    const response = await server.gql('{ me { id } }', { token: await signToken(impostor, { email }) });
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await usersWith(impostor)).toEqual([]);
  });

  it('creates one user and one audit entry for 20 concurrent first requests, all answered', async () => {
    const sub = subject();
    const token = await signToken(sub);
    const responses = await Promise.all(Array.from({ length: 20 }, () => server.gql('{ me { id } }', { token })));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(responses.flatMap((response) => response.errors ?? [])).toEqual([]);
    const users = await usersWith(sub);
    expect(users).toHaveLength(1);
    expect(new Set(responses.map((response) => response.data?.me.id))).toEqual(new Set([String(users[0]!.id)]));
    expect(await auditRowsFor(users[0]!.id)).toHaveLength(1);
  });

  it('refuses a token for the system user as UNAUTHENTICATED', async () => {
    const response = await server.gql('{ me { id } }', { token: await signToken(SYSTEM_USER, { email: 'system@bestays.app' }) });
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(response.data ?? null).toBeNull();
  });

  it('reads the role from the database on every request', async () => {
    const sub = subject();
    const token = await signToken(sub);
    expect((await server.gql('{ me { role } }', { token })).data?.me).toEqual({ role: 'USER' });
    await auditedSql(server, { type: 'user', action: 'update' }, `update users set role = 'agent' where clerk_user_id = $1`, [sub]);
    expect((await server.gql('{ me { role } }', { token })).data?.me).toEqual({ role: 'AGENT' });
  });

  it('takes a demotion into account on the very next request', async () => {
    const sub = subject();
    const token = await signToken(sub);
    await server.gql('{ me { id } }', { token });
    await auditedSql(server, { type: 'user', action: 'update' }, `update users set role = 'admin' where clerk_user_id = $1`, [sub]);
    const other = subject();
    const otherId = (await server.gql('{ me { id } }', { token: await signToken(other) })).data?.me.id;
    const adminView = await server.gql(`{ user(id: "${otherId}") { email } }`, { token });
    expect(adminView.data?.user).toEqual({ email: `${other}@example.com` });

    await auditedSql(server, { type: 'user', action: 'update' }, `update users set role = 'user' where clerk_user_id = $1`, [sub]);
    const userView = await server.gql(`{ user(id: "${otherId}") { email } }`, { token });
    expect(userView.data?.user).toBeNull();
    expect(userView.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('ignores a role claim in the token', async () => {
    const sub = subject();
    const token = await new SignJWT({ email: `${sub}@example.com`, role: 'admin', metadata: { role: 'admin' } })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expect((await server.gql('{ me { role } }', { token })).data?.me).toEqual({ role: 'USER' });
  });
});
