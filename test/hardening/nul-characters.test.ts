import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn } from '../support/users.js';
import { Role } from '../../src/users/role.js';

describe('arguments with the NUL character', () => {
  let server: TestServer;
  let agentToken: string;
  beforeAll(async () => {
    server = await startTestServer();
    agentToken = (await signIn(server, Role.AGENT)).token;
  });
  afterAll(async () => {
    await server.close();
  });

  it('are BAD_USER_INPUT when passed as variables, and nothing is written', async () => {
    const response = await server.gql('mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id } }', {
      token: agentToken,
      variables: { input: { title: 'Sea\u0000view' } },
    });
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await server.sql('select count(*)::int as n from properties')).toEqual([{ n: 0 }]);
  });

  it('are BAD_USER_INPUT when written in the document', async () => {
    const response = await server.gql('{ properties(filter: { search: "a\\u0000b" }) { totalCount } }');
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
