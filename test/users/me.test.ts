import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { signToken } from '../support/tokens.js';

describe('me', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('is UNAUTHENTICATED for an anonymous caller', async () => {
    const response = await server.gql('{ me { id } }');
    expect(response.data?.me).toBeNull();
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('creates the user with role USER and the email claim as given on the first valid token', async () => {
    const token = await signToken('user_first_signin', { email: 'First@Example.com' });
    const response = await server.gql('{ me { id role email clerkUserId } }', { token });
    expect(response.errors).toBeUndefined();
    expect(response.data?.me).toMatchObject({ role: 'USER', email: 'First@Example.com', clerkUserId: 'user_first_signin' });
    const rows = await server.sql('select id, role from users where clerk_user_id = $1', ['user_first_signin']);
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.id)).toBe(response.data?.me.id);
  });

  it('returns the same user on later requests', async () => {
    const token = await signToken('user_repeat');
    const first = await server.gql('{ me { id } }', { token });
    const second = await server.gql('{ me { id } }', { token });
    expect(second.data?.me.id).toBe(first.data?.me.id);
  });
});
