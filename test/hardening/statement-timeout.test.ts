import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

describe('the database statement timeout', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { DB_STATEMENT_TIMEOUT_MS: '200' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("cancels a statement that runs longer than DB_STATEMENT_TIMEOUT_MS on the server's pool", async () => {
    const started = Date.now();
    await expect(server.server.orm.em.fork().getConnection().execute('select pg_sleep(5)')).rejects.toThrow(
      /statement timeout/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('leaves the pool serving afterwards', async () => {
    const response = await server.gql('{ properties(first: 1) { totalCount } }');
    expect(response.data?.properties).toEqual({ totalCount: 0 });
  });
});
