import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

async function errorsOf(response: Response): Promise<{ message: string; extensions: { code: string } }[]> {
  return ((await response.json()) as { errors: { message: string; extensions: { code: string } }[] }).errors;
}
import { signIn } from '../support/users.js';

function preflight(server: TestServer, origin: string): Promise<Response> {
  return fetch(`${server.url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  });
}

function postFrom(server: TestServer, origin: string, token?: string): Promise<Response> {
  return fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: '{ me { id } }' }),
  });
}

describe('CORS with the default origins outside production', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers a preflight from a localhost page on any port, allowing Authorization and Content-Type', async () => {
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000']) {
      const response = await preflight(server, origin);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-methods')).toContain('POST');
      const allowedHeaders = response.headers.get('access-control-allow-headers')?.toLowerCase().split(',');
      expect(allowedHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    }
  });

  it('lets an allowed page read the answer to its signed-in request', async () => {
    const user = await signIn(server);
    const response = await postFrom(server, 'http://localhost:5173', user.token);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(response.headers.get('vary')).toMatch(/origin/i);
    expect(await response.json()).toEqual({ data: { me: { id: user.id } } });
  });

  it('gives a page on another origin no Access-Control-Allow-Origin', async () => {
    for (const origin of ['https://evil.example', 'http://localhost.evil.example:5173', 'https://localhost:5173']) {
      const answer = await preflight(server, origin);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      expect(answer.headers.get('access-control-allow-headers')).toBeNull();
      const post = await postFrom(server, origin);
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
      expect(post.headers.get('vary')).toMatch(/origin/i);
    }
  });

  it('keeps Apollo\'s CSRF prevention for requests a page could send without a preflight', async () => {
    const simpleGet = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { origin: 'http://localhost:5173' },
    });
    expect(simpleGet.status).toBe(400);
    expect((await errorsOf(simpleGet))[0]?.message).toMatch(/Cross-Site Request Forgery/);

    const textPlainPost = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173', 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(textPlainPost.status).toBe(400);
    expect((await errorsOf(textPlainPost))[0]?.message).toMatch(/Cross-Site Request Forgery/);
  });

  it('answers a GET query that carries Apollo\'s preflight header', async () => {
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { origin: 'http://localhost:5173', 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('CORS in production without CORS_ORIGINS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: 'production' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('allows no origin, not even localhost', async () => {
    const answer = await preflight(server, 'http://localhost:5173');
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    const post = await postFrom(server, 'http://localhost:5173');
    expect(post.status).toBe(200);
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS with an explicit CORS_ORIGINS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com, https://admin.example.com:8443' },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('allows exactly the listed origins', async () => {
    for (const origin of ['https://app.example.com', 'https://admin.example.com:8443']) {
      const response = await preflight(server, origin);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    }
  });

  it('refuses origins that differ in scheme, port or host, and the development defaults', async () => {
    for (const origin of [
      'http://app.example.com',
      'https://app.example.com:8443',
      'https://admin.example.com',
      'https://evil.app.example.com',
      'http://localhost:5173',
    ]) {
      const response = await preflight(server, origin);
      expect(response.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });
});
