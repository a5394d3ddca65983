import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server.js';
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

  const refusal = (response: GraphQLResponse) => {
    expect(response.status).toBe(400);
    expect(response.data ?? undefined).toBeUndefined();
    const limitErrors = response.errors?.filter((e) => /the limit is/.test(e.message)) ?? [];
    expect(limitErrors).toHaveLength(1);
    return limitErrors[0]!;
  };

  it('rejects a document nested deeper than the depth limit, saying the limit and the depth found', async () => {
    const depth = DOCUMENT_LIMITS.maxDepth + 2;
    const query = `{ ${'me { '.repeat(depth)}id${' }'.repeat(depth)} }`;
    const error = refusal(await server.gql(query));
    expect(error.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toContain(`nested ${depth + 1} levels deep; the limit is ${DOCUMENT_LIMITS.maxDepth}.`);
    expect(error.message).not.toContain('Syntax Error');
  });

  it('rejects more aliases than allowed, saying the limit and how many were found', async () => {
    const aliases = Array.from({ length: DOCUMENT_LIMITS.maxAliases + 1 }, (_, i) => `a${i}: me { id }`).join(' ');
    const error = refusal(await server.gql(`{ ${aliases} }`));
    expect(error.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toContain(`uses ${DOCUMENT_LIMITS.maxAliases + 1} aliases; the limit is ${DOCUMENT_LIMITS.maxAliases}.`);
  });

  it('accepts as many aliases as allowed', async () => {
    const aliases = Array.from({ length: DOCUMENT_LIMITS.maxAliases }, (_, i) => `a${i}: me { id }`).join(' ');
    const response = await server.gql(`{ ${aliases} }`);
    expect(response.errors?.every((e) => e.extensions?.code === 'UNAUTHENTICATED')).toBe(true);
  });

  it('rejects more directives than allowed, saying the limit', async () => {
    const directives = Array.from({ length: DOCUMENT_LIMITS.maxDirectives + 1 }, (_, i) => `f${i}: __typename @include(if: true)`).join(' ');
    const error = refusal(await server.gql(`{ ${directives} }`));
    expect(error.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toContain(`uses ${DOCUMENT_LIMITS.maxDirectives + 1} directives; the limit is ${DOCUMENT_LIMITS.maxDirectives}.`);
  });

  it('rejects a document over the cost limit, saying the limit, the cost found and to ask for fewer items with first', async () => {
    const error = refusal(await server.gql('{ properties(first: 100) { nodes { id auditTrail(first: 100) { nodes { id action } } } } }'));
    expect(error.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toMatch(new RegExp(`^The operation's estimated cost is \\d+; the limit is ${DOCUMENT_LIMITS.maxCost}\\.`));
    expect(error.message).toContain('ask for fewer items with `first`');
    expect(error.message).toContain('nest fewer lists');
  });

  it('runs the same lists with a smaller first under the cost limit', async () => {
    const response = await server.gql('{ properties(first: 5) { nodes { id auditTrail(first: 5) { nodes { id action } } } } }');
    expect(response.errors).toBeUndefined();
    expect(response.data?.properties).toEqual({ nodes: [] });
  });

  it('rejects a document with more tokens than allowed as a refused document, saying the limit', async () => {
    const fields = Array.from({ length: DOCUMENT_LIMITS.maxTokens }, () => '__typename').join(' ');
    const response = await server.gql(`{ ${fields} }`);
    expect(response.status).toBe(400);
    expect(response.data ?? undefined).toBeUndefined();
    expect(response.errors).toEqual([
      {
        message: expect.stringContaining(`more than ${DOCUMENT_LIMITS.maxTokens} tokens (names, punctuation and values); the limit is ${DOCUMENT_LIMITS.maxTokens}.`),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ]);
  });

  it('still answers a malformed document as GRAPHQL_PARSE_FAILED', async () => {
    const response = await server.gql('{ properties { ');
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(response.errors?.[0]?.message).toMatch(/^Syntax Error/);
  });

  it('answers a body over 1 MB with 413, naming the limit', async () => {
    const { status, text } = await postRaw(server, JSON.stringify({ query: `{ __typename } #${'x'.repeat(1_100_000)}` }));
    expect(status).toBe(413);
    expect(JSON.parse(text).errors[0]).toEqual({
      message: expect.stringContaining('over the limit of 1 MB'),
      extensions: { code: 'BAD_REQUEST' },
    });
  });

  it('refuses batched requests, saying to send one operation per request', async () => {
    const { status, text } = await postRaw(server, JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]));
    expect(status).toBe(400);
    expect(text).not.toContain('"data"');
    expect(JSON.parse(text).errors).toEqual([
      { message: expect.stringContaining('send one operation per request'), extensions: { code: 'BAD_REQUEST' } },
    ]);
  });

  it('refuses a GET without a preflight header, naming the headers that admit it', async () => {
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
    expect(body.errors[0]?.message).toContain('apollo-require-preflight');
  });

  it('answers a GET that carries apollo-require-preflight', async () => {
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
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
