import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { buildSchema } from 'graphql';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn } from '../support/users.js';
import { Role } from '../../src/users/role.js';
import { DocumentFuzzer, seededRandom, type FuzzRequest } from '../support/fuzz-documents.js';

const SEED = 20261125;
const WELL_FORMED = 2_000;
const BROKEN = 1_000;
const CONCURRENCY = 8;
const CONTRACT_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'BAD_USER_INPUT',
  'NOT_FOUND',
]);

interface Outcome {
  request: FuzzRequest;
  status: number;
  body: string;
}

describe('fuzzing the GraphQL endpoint', () => {
  let server: TestServer;
  let tokens: (string | undefined)[];
  beforeAll(async () => {
    server = await startTestServer();
    const [user, agent, admin] = await Promise.all([
      signIn(server, Role.USER),
      signIn(server, Role.AGENT),
      signIn(server, Role.ADMIN),
    ]);
    tokens = [undefined, user.token, agent.token, admin.token];
  });
  afterAll(async () => {
    await server.close();
  });

  it(`answers ${WELL_FORMED + BROKEN} generated documents with data or contract-coded errors, never a crash or a 5xx`, async () => {
    const schema = buildSchema(await readFile(new URL('../../schema.graphql', import.meta.url), 'utf8'));
    const fuzzer = new DocumentFuzzer(schema, seededRandom(SEED));
    const requests = [
      ...Array.from({ length: WELL_FORMED }, () => fuzzer.document()),
      ...Array.from({ length: BROKEN }, () => fuzzer.broken()),
    ];
    const outcomes: Outcome[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < requests.length) {
        const index = next++;
        const request = requests[index]!;
        const token = tokens[index % tokens.length];
        const response = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(request),
        });
        outcomes.push({ request, status: response.status, body: await response.text() });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const problems: string[] = [];
    const codes = new Map<string, number>();
    for (const { request, status, body } of outcomes) {
      let parsed: { data?: unknown; errors?: { extensions?: { code?: string } }[] } | undefined;
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        problems.push(`not JSON (${status}): ${request.query}`);
        continue;
      }
      if (status >= 500) problems.push(`status ${status}: ${request.query} ${body}`);
      if (parsed?.data === undefined && !parsed?.errors?.length) problems.push(`neither data nor errors: ${request.query}`);
      for (const error of parsed?.errors ?? []) {
        const code = error.extensions?.code ?? 'none';
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (!CONTRACT_CODES.has(code)) problems.push(`code ${code}: ${request.query} ${JSON.stringify(request.variables)} -> ${body}`);
      }
      if (/\bat [\w.<>]+ \(|node_modules|\.ts:\d+|syntax error at or near|relation "/.test(body)) {
        problems.push(`internal detail leaked: ${body}`);
      }
    }
    expect(outcomes).toHaveLength(WELL_FORMED + BROKEN);
    expect(problems.slice(0, 5)).toEqual([]);
    expect(codes.get('GRAPHQL_VALIDATION_FAILED')).toBeGreaterThan(0);
    expect(outcomes.some(({ body }) => body.includes('"data":{'))).toBe(true);
  }, 240_000);
});
