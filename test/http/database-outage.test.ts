import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { ensureDatabase } from '../../src/db/database.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { TEST_JWT_SECRET } from '../support/tokens.js';

const PROPERTY_QUERY = JSON.stringify({ query: '{ property(id: "019abcde-0000-7000-8000-000000000000") { id } }' });

describe('when the database goes away and comes back', () => {
  let dataDir: string;
  let database: EmbeddedPostgres;
  let server: RunningServer;

  const query = async () => {
    const started = Date.now();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: PROPERTY_QUERY,
    });
    return { status: response.status, body: (await response.text()).trim(), ms: Date.now() - started };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bestays-outage-'));
    database = new EmbeddedPostgres({ dataDir, unsafeFast: true });
    await database.start();
    await ensureDatabase(database.url(), 'bestays');
    const config = loadConfig({
      DATABASE_URL: database.url('bestays'),
      PORT: '0',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'silent',
    });
    server = await startServer(config, createLogger('silent'));
  });
  afterAll(async () => {
    await server.close();
    await database.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('fails requests fast with a clean error, keeps /healthz 200 and /readyz 503, then recovers without a restart', async () => {
    expect((await query()).body).toBe('{"data":{"property":null}}');

    await database.stop();
    const during = await Promise.all(Array.from({ length: 10 }, () => query()));
    for (const response of during) {
      expect(response.ms).toBeLessThan(3_000);
      const body = JSON.parse(response.body) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(response.body).not.toMatch(/ECONNREFUSED|select|postgres|at .*\.ts/i);
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);

    await database.restart();
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await query()).body).toBe('{"data":{"property":null}}');
  });
});
