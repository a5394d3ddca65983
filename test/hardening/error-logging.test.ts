import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

describe('an unexpected error', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ captureLogs: true });
    // A fault the server cannot foresee: its table is gone.
    await server.sql('alter table properties rename to properties_moved');
  });
  afterAll(async () => {
    await server.sql('alter table properties_moved rename to properties');
    await server.close();
  });

  it('reaches the client as INTERNAL_SERVER_ERROR without SQL, stack or table names', async () => {
    const response = await server.gql('{ property(id: "019abcde-0000-7000-8000-000000000000") { id } }');
    expect(response.errors).toEqual([
      expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
    ]);
    expect(JSON.stringify(response)).not.toMatch(/properties|select|relation|at .*\.ts/i);
  });

  it('is logged once, with the request id the response carries', async () => {
    const response = await server.gql('{ property(id: "019abcde-0000-7000-8000-000000000001") { id } }', {
      headers: { 'x-request-id': 'fault-42' },
    });
    expect(response.headers.get('x-request-id')).toBe('fault-42');
    const logged = server.logs.filter((line) => line.requestId === 'fault-42' && line.level === 50);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.msg).toBe('unexpected error while resolving a request');
    expect(JSON.stringify(logged[0]!.err)).toMatch(/properties/);
  });

  it('is not logged as an error when it is the client\'s mistake', async () => {
    await server.gql('{ property(id: "nope") { id } }', { headers: { 'x-request-id': 'client-mistake' } });
    expect(server.logs.filter((line) => line.requestId === 'client-mistake' && line.level === 50)).toEqual([]);
  });
});
