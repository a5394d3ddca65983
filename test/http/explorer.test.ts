import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

async function errorsOf(response: Response): Promise<{ message: string; extensions: { code: string } }[]> {
  return ((await response.json()) as { errors: { message: string; extensions: { code: string } }[] }).errors;
}

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

function openInBrowser(server: TestServer, path = '/graphql'): Promise<Response> {
  return fetch(`${server.url}${path}`, { headers: { accept: BROWSER_ACCEPT } });
}

/** Every URL the page's tags load: src, href and module imports. */
function assetUrls(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="([^"]+)"|from\s+"([^"]+)"/g)].map((match) => match[1] ?? match[2] ?? '');
}

describe('the explorer outside production', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers a browser\'s GET /graphql with a page whose assets the server serves itself', async () => {
    const response = await openInBrowser(server);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    const assets = assetUrls(html);
    expect(assets).toEqual(expect.arrayContaining(['/ruru-static/ruru.js', '/ruru-static/ruru.css']));
    for (const asset of assets) expect(asset).toMatch(/^\/ruru-static\//);
    expect(html).not.toMatch(/unpkg|jsdelivr|cdn\.|apollographql/i);
    expect(html).toContain('"isHeadersEditorEnabled": true');
  });

  it('serves the explorer\'s scripts and styles', async () => {
    const script = await fetch(`${server.url}/ruru-static/ruru.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await script.text()).length).toBeGreaterThan(100_000);
    const styles = await fetch(`${server.url}/ruru-static/ruru.css`);
    expect(styles.headers.get('content-type')).toMatch(/^text\/css/);
    expect((await fetch(`${server.url}/ruru-static/missing.js`)).status).toBe(404);
  });

  it('still answers GraphQL clients on GET /graphql', async () => {
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('the explorer in production', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: 'production' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('is not served: a browser\'s GET /graphql gets Apollo\'s JSON answer', async () => {
    const response = await openInBrowser(server);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await errorsOf(response))[0]?.extensions.code).toBe('BAD_REQUEST');
    expect((await openInBrowser(server, '/ruru-static/ruru.js')).status).toBe(404);
  });
});
