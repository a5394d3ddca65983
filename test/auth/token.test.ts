import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';
import { nowInSeconds, startKeySet, type TestKeySet } from '../support/jwks.js';

const ISSUER = 'https://clerk.bestays.test';
const AUDIENCE = 'bestays-api';

const subject = (): string => `user_${randomUUID().replaceAll('-', '')}`;

function expectUnauthenticated(response: GraphQLResponse): void {
  expect(response.status).toBe(401);
  expect(response.data ?? null).toBeNull();
  expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
}

/** A public field: a bad token must fail even here. */
const PUBLIC_QUERY = '{ property(id: "019abcde-0000-7000-8000-00000000ffff") { id } }';

describe('bearer tokens signed with AUTH_JWT_SECRET (HS256)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const me = (headers: Record<string, string>) => server.gql('{ me { clerkUserId } }', { headers });

  it('identifies the user a valid token names', async () => {
    const sub = subject();
    const response = await server.gql('{ me { clerkUserId } }', { token: await signToken(sub) });
    expect(response.status).toBe(200);
    expect(response.data?.me).toEqual({ clerkUserId: sub });
  });

  it('treats a request without Authorization as anonymous', async () => {
    const response = await server.gql(PUBLIC_QUERY);
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ property: null });
  });

  it('is UNAUTHENTICATED with HTTP 401 for an expired token, even on a public field', async () => {
    const token = await signToken(subject(), { expiresIn: '-1 minute' });
    expectUnauthenticated(await server.gql(PUBLIC_QUERY, { token }));
  });

  it('is UNAUTHENTICATED for a token signed with another secret', async () => {
    const token = await signToken(subject(), { secret: `${TEST_JWT_SECRET}-but-another` });
    expectUnauthenticated(await server.gql(PUBLIC_QUERY, { token }));
  });

  it('is UNAUTHENTICATED for a token that is not a JWT at all', async () => {
    expectUnauthenticated(await me({ authorization: 'Bearer garbage' }));
  });

  it('is UNAUTHENTICATED for an Authorization header of another scheme', async () => {
    expectUnauthenticated(await me({ authorization: 'Basic x' }));
  });

  it('is UNAUTHENTICATED for "Bearer" with no token', async () => {
    expectUnauthenticated(await me({ authorization: 'Bearer ' }));
  });

  it('is UNAUTHENTICATED for an unsigned token (alg none)', async () => {
    const token = new UnsecuredJWT({ email: 'none@example.com' }).setSubject(subject()).setExpirationTime('1h').encode();
    expectUnauthenticated(await me({ authorization: `Bearer ${token}` }));
  });

  it('is UNAUTHENTICATED for a token without a subject', async () => {
    const token = await new SignJWT({ email: 'nosub@example.com' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expectUnauthenticated(await me({ authorization: `Bearer ${token}` }));
  });

  it('is UNAUTHENTICATED for an RS256 token when no key set is configured', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ email: 'rs@example.com' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject(subject())
      .setExpirationTime('1h')
      .sign(privateKey);
    expectUnauthenticated(await me({ authorization: `Bearer ${token}` }));
  });

  it('is UNAUTHENTICATED for a bad token on a GET query as well', async () => {
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { authorization: 'Bearer garbage', 'apollo-require-preflight': 'true' },
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(response.status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('accepts a token that expired a few seconds ago (clock skew)', async () => {
    const sub = subject();
    const token = await signToken(sub, { expiresIn: '-3 seconds' });
    expect((await me({ authorization: `Bearer ${token}` })).data?.me).toEqual({ clerkUserId: sub });
  });

  it('does not reveal the secret or the reason as a stack in the 401 body', async () => {
    const token = await signToken(subject(), { secret: 'another-secret-that-is-long-enough-for-hs256' });
    const response = await server.gql(PUBLIC_QUERY, { token });
    expect(JSON.stringify(response.errors)).not.toContain(TEST_JWT_SECRET);
    expect(JSON.stringify(response.errors)).not.toMatch(/at .+\.ts:\d+/);
  });
});

describe('bearer tokens from the key set at AUTH_JWKS_URL (RS256, ES256)', () => {
  let keySet: TestKeySet;
  let server: TestServer;
  beforeAll(async () => {
    keySet = await startKeySet();
    server = await startTestServer({
      env: {
        AUTH_JWKS_URL: keySet.url,
        AUTH_ISSUER: ISSUER,
        AUTH_AUDIENCE: AUDIENCE,
        // Every unknown key id refetches the set at once, so rotation is visible without waiting.
        AUTH_JWKS_COOLDOWN_MS: '0',
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await keySet.close();
  });

  const meWith = (token: string) => server.gql<{ me: { clerkUserId: string } | null }>('{ me { clerkUserId } }', { token });
  const claims = { issuer: ISSUER, audience: AUDIENCE };

  it('accepts an RS256 token from a key in the set', async () => {
    const key = await keySet.addKey('RS256');
    const sub = subject();
    const response = await meWith(await key.sign(sub, claims));
    expect(response.status).toBe(200);
    expect(response.data?.me).toEqual({ clerkUserId: sub });
  });

  it('accepts an ES256 token from a key in the set', async () => {
    const key = await keySet.addKey('ES256');
    const sub = subject();
    expect((await meWith(await key.sign(sub, claims))).data?.me).toEqual({ clerkUserId: sub });
  });

  it('is UNAUTHENTICATED for a token of another issuer', async () => {
    const key = await keySet.addKey('RS256');
    expectUnauthenticated(await meWith(await key.sign(subject(), { ...claims, issuer: 'https://evil.example' })));
  });

  it('is UNAUTHENTICATED for a token without an issuer', async () => {
    const key = await keySet.addKey('ES256');
    expectUnauthenticated(await meWith(await key.sign(subject(), { audience: AUDIENCE })));
  });

  it('is UNAUTHENTICATED for a token for another audience', async () => {
    const key = await keySet.addKey('ES256');
    expectUnauthenticated(await meWith(await key.sign(subject(), { ...claims, audience: 'another-api' })));
  });

  it('is UNAUTHENTICATED for a token signed by a key that is not in the set', async () => {
    const key = await keySet.addKey('RS256', { publish: false });
    expectUnauthenticated(await meWith(await key.sign(subject(), claims)));
  });

  it('is UNAUTHENTICATED for a token that names a published key but was signed by another', async () => {
    const published = await keySet.addKey('ES256');
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ email: 'forged@example.com' })
      .setProtectedHeader({ alg: 'ES256', kid: published.kid })
      .setSubject(subject())
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(privateKey);
    expectUnauthenticated(await meWith(forged));
  });

  it('picks up a key added to the set after the set was first fetched (rotation)', async () => {
    const oldKey = await keySet.addKey('RS256');
    expect((await meWith(await oldKey.sign(subject(), claims))).status).toBe(200);
    const fetchesBefore = keySet.fetches;

    const newKey = await keySet.addKey('RS256');
    const sub = subject();
    const response = await meWith(await newKey.sign(sub, claims));
    expect(response.data?.me).toEqual({ clerkUserId: sub });
    expect(keySet.fetches).toBeGreaterThan(fetchesBefore);
  });

  it('refuses a key retired from the set once the set has been fetched again', async () => {
    const retired = await keySet.addKey('ES256');
    const sub = subject();
    expect((await meWith(await retired.sign(sub, claims))).status).toBe(200);
    keySet.unpublish(retired);
    const successor = await keySet.addKey('ES256');
    expect((await meWith(await successor.sign(subject(), claims))).status).toBe(200);

    expectUnauthenticated(await meWith(await retired.sign(sub, claims)));
  });

  it('accepts a token that expired a few seconds ago (clock skew)', async () => {
    const key = await keySet.addKey('RS256');
    const sub = subject();
    const response = await meWith(await key.sign(sub, { ...claims, expiresAt: nowInSeconds() - 3 }));
    expect(response.data?.me).toEqual({ clerkUserId: sub });
  });

  it('accepts a token valid from a few seconds in the future (clock skew)', async () => {
    const key = await keySet.addKey('ES256');
    const sub = subject();
    const response = await meWith(await key.sign(sub, { ...claims, notBefore: nowInSeconds() + 3 }));
    expect(response.data?.me).toEqual({ clerkUserId: sub });
  });

  it('is UNAUTHENTICATED for a token that expired well beyond the tolerated skew', async () => {
    const key = await keySet.addKey('RS256');
    expectUnauthenticated(await meWith(await key.sign(subject(), { ...claims, expiresAt: nowInSeconds() - 30 })));
  });

  it('is UNAUTHENTICATED for a token not yet valid beyond the tolerated skew', async () => {
    const key = await keySet.addKey('ES256');
    expectUnauthenticated(await meWith(await key.sign(subject(), { ...claims, notBefore: nowInSeconds() + 60 })));
  });

  it('still accepts HS256 tokens from AUTH_JWT_SECRET, which need no issuer or audience', async () => {
    const sub = subject();
    expect((await meWith(await signToken(sub))).data?.me).toEqual({ clerkUserId: sub });
  });

  it('is UNAUTHENTICATED for an HS256 token that names another issuer', async () => {
    expectUnauthenticated(await meWith(await signToken(subject(), { issuer: 'https://evil.example' })));
  });

  it('is UNAUTHENTICATED for an HS256 token that names another audience', async () => {
    expectUnauthenticated(await meWith(await signToken(subject(), { audience: 'another-api' })));
  });

  it('accepts an HS256 token that names the configured issuer and audience', async () => {
    const sub = subject();
    expect((await meWith(await signToken(sub, claims))).data?.me).toEqual({ clerkUserId: sub });
  });

  it('answers INTERNAL_SERVER_ERROR, not UNAUTHENTICATED, while the key set cannot be fetched', async () => {
    const key = await keySet.addKey('RS256');
    keySet.failing = true;
    try {
      const response = await meWith(await key.sign(subject(), claims));
      expect(response.status).toBe(500);
      expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
    } finally {
      keySet.failing = false;
    }
  });

  it('accepts tokens again once the key set answers again', async () => {
    const key = await keySet.addKey('ES256');
    keySet.failing = true;
    const token = await key.sign(subject(), claims);
    expect((await meWith(token)).status).toBe(500);
    keySet.failing = false;
    expect((await meWith(token)).status).toBe(200);
  });
});

describe('the key set cache with the default cooldown', () => {
  let keySet: TestKeySet;
  let server: TestServer;
  beforeAll(async () => {
    keySet = await startKeySet();
    server = await startTestServer({ env: { AUTH_JWKS_URL: keySet.url, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE } });
  });
  afterAll(async () => {
    await server.close();
    await keySet.close();
  });

  it('fetches the set once for a burst of tokens naming unknown keys', async () => {
    const known = await keySet.addKey('RS256');
    expect((await server.gql('{ me { id } }', { token: await known.sign(subject(), { issuer: ISSUER, audience: AUDIENCE }) })).status).toBe(200);
    const fetchesBefore = keySet.fetches;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const stranger = await keySet.addKey('ES256', { publish: false });
      const response = await server.gql('{ me { id } }', { token: await stranger.sign(subject(), { issuer: ISSUER, audience: AUDIENCE }) });
      expect(response.status).toBe(401);
    }
    expect(keySet.fetches).toBe(fetchesBefore);
  });
});
