import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

describe('an unknown path', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers 404 with JSON in the errors shape, code NOT_FOUND', async () => {
    const response = await fetch(`${server.url}/no/such/path`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      errors: [{ message: expect.stringContaining('GET /no/such/path'), extensions: { code: 'NOT_FOUND' } }],
    });
  });

  it('answers a POST to an unknown path the same way, pointing to /graphql', async () => {
    const response = await fetch(`${server.url}/graph`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]?.extensions.code).toBe('NOT_FOUND');
    expect(body.errors[0]?.message).toContain('POST /graphql');
  });
});
