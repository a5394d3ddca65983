import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { DOCUMENT_LIMITS } from '../../src/graphql/limits.js';

async function postRaw(server: TestServer, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, text: await response.text() };
}

describe('request limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('rejects a document nested deeper than the depth limit before resolving it', async () => {
    const depth = DOCUMENT_LIMITS.maxDepth + 2;
    const query = `{ ${'me { '.repeat(depth)}id${' }'.repeat(depth)} }`;
    const response = await server.gql(query);
    expect(response.data).toBeUndefined();
    expect(response.errors?.some((e) => /depth/i.test(e.message))).toBe(true);
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('rejects more aliases than allowed', async () => {
    const aliases = Array.from({ length: DOCUMENT_LIMITS.maxAliases + 1 }, (_, i) => `a${i}: me { id }`).join(' ');
    const response = await server.gql(`{ ${aliases} }`);
    expect(response.errors?.some((e) => /alias/i.test(e.message))).toBe(true);
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('accepts as many aliases as allowed', async () => {
    const aliases = Array.from({ length: DOCUMENT_LIMITS.maxAliases }, (_, i) => `a${i}: me { id }`).join(' ');
    const response = await server.gql(`{ ${aliases} }`);
    expect(response.errors?.every((e) => e.extensions?.code === 'UNAUTHENTICATED')).toBe(true);
  });

  it('rejects a document with more tokens than allowed', async () => {
    const fields = Array.from({ length: DOCUMENT_LIMITS.maxTokens }, () => '__typename').join(' ');
    const response = await server.gql(`{ ${fields} }`);
    expect(response.data ?? undefined).toBeUndefined();
    expect(response.errors?.some((e) => /token/i.test(e.message))).toBe(true);
    expect(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']).toContain(response.errors?.[0]?.extensions?.code);
  });

  it('answers a body over 1 MB with 413', async () => {
    const { status, text } = await postRaw(server, JSON.stringify({ query: `{ __typename } #${'x'.repeat(1_100_000)}` }));
    expect(status).toBe(413);
    expect(JSON.parse(text).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses batched requests', async () => {
    const { status, text } = await postRaw(server, JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]));
    expect(status).toBe(400);
    expect(text).not.toContain('"data"');
  });

  it('allows introspection by default outside production', async () => {
    const response = await server.gql('{ __schema { queryType { name } } }');
    expect(response.data?.__schema).toEqual({ queryType: { name: 'Query' } });
  });
});

describe('with GRAPHQL_INTROSPECTION=false', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { GRAPHQL_INTROSPECTION: 'false' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses introspection', async () => {
    const response = await server.gql('{ __schema { queryType { name } } }');
    expect(response.data).toBeUndefined();
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('gives no field suggestions', async () => {
    const response = await server.gql('{ propert { id } }');
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(response.errors)).not.toMatch(/did you mean/i);
  });
});
