import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn } from '../support/users.js';

async function metricsText(server: TestServer): Promise<string> {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return await response.text();
}

function sampleValue(text: string, line: RegExp): number {
  const match = text.split('\n').find((candidate) => line.test(candidate));
  return match ? Number(match.split(' ').pop()) : 0;
}

describe('GET /metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('counts GraphQL requests by operation name and outcome', async () => {
    await server.gql('query PropertyPage { property(id: "019abcde-0000-7000-8000-000000000000") { id } }');
    await server.gql('query Me { me { id } }');
    const text = await metricsText(server);
    expect(sampleValue(text, /^graphql_requests_total\{operation="PropertyPage",outcome="success"\}/)).toBe(1);
    expect(sampleValue(text, /^graphql_requests_total\{operation="Me",outcome="error"\}/)).toBe(1);
    expect(text).toMatch(/^graphql_request_duration_seconds_bucket\{le="0.1",operation="PropertyPage",outcome="success"\}/m);
  });

  it('reports the database pool and the audit rows written', async () => {
    const before = sampleValue(await metricsText(server), /^audit_rows_written_total /);
    await signIn(server);
    const text = await metricsText(server);
    expect(sampleValue(text, /^audit_rows_written_total /)).toBe(before + 1);
    expect(text).toMatch(/^db_pool_connections\{state="total"\} \d+/m);
  });
});

describe('/metrics with METRICS_PORT', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: 'production', METRICS_PORT: '0' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves the metrics on their own port, on 127.0.0.1, and not on the API port', async () => {
    const metricsUrl = server.server.metricsUrl;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(metricsUrl).not.toBe(server.url);
    await server.gql('query Listing { properties { totalCount } }');
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(sampleValue(text, /^graphql_requests_total\{operation="Listing",outcome="success"\}/)).toBe(1);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${metricsUrl}/graphql`)).status).toBe(404);
  });
});

describe('/metrics in production without METRICS_PORT', () => {
  it('is not served on the public port', async () => {
    const server = await startTestServer({ env: { NODE_ENV: 'production' } });
    try {
      expect(server.server.metricsUrl).toBeUndefined();
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('the metrics server at shutdown', () => {
  it('stops listening when the server closes', async () => {
    const server = await startTestServer({ env: { METRICS_PORT: '0' } });
    const metricsUrl = server.server.metricsUrl;
    expect((await fetch(`${metricsUrl}/metrics`)).status).toBe(200);
    await server.close();
    await expect(fetch(`${metricsUrl}/metrics`)).rejects.toThrow();
  });
});
