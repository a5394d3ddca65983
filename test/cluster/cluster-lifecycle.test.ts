import { afterAll, describe, expect, inject, it } from 'vitest';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/shared/free-port.js';
import { slowRequest } from '../support/slow-request.js';
import { createDatabase, dropDatabase, uniqueDatabaseName } from '../support/databases.js';
import { isAlive, metricValue, post, startCluster } from './cluster-process.js';

describe('WEB_CONCURRENCY=2 on the embedded database', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('starts one embedded PostgreSQL and migrates once; SIGTERM to the group (twice) drains every worker, stops the database and exits 0', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bestays-cluster-'));
    dirs.push(dataDir);
    const metricsPort = await freePort();
    const cluster = await startCluster({
      DATABASE_URL: undefined,
      DATA_DIR: dataDir,
      WEB_CONCURRENCY: '2',
      SHUTDOWN_GRACE_MS: '5000',
      METRICS_PORT: String(metricsPort),
    });
    try {
      const lines = cluster.lines();
      expect(lines.filter((line) => line.msg === 'embedded PostgreSQL started')).toHaveLength(1);
      // A worker that opened the embedded database itself would share the primary's and say so.
      expect(lines.some((line) => line.msg.startsWith('sharing the embedded PostgreSQL'))).toBe(false);
      const migrated = lines.filter((line) => line.msg === 'migrations applied');
      expect(migrated).toHaveLength(1);
      expect(migrated[0]!.pid).toBe(cluster.pid);
      expect((await post(cluster.url, '{ __typename }')).status).toBe(200);
      // METRICS_PORT is the primary's alone (workers would collide on it), with the whole group's figures.
      const metricsUrl = `http://127.0.0.1:${metricsPort}`;
      expect(await metricValue(metricsUrl, 'cluster_workers', { state: 'running' })).toBe(2);
      expect(await metricValue(metricsUrl, 'graphql_requests_total')).toBe(1);
      expect((await fetch(`${cluster.url}/metrics`)).status).toBe(404);

      // Two requests in flight, on connections of their own: the round-robin gives one to each worker.
      const inFlight = [slowRequest(cluster.url), slowRequest(cluster.url)];
      await new Promise((r) => setTimeout(r, 200));
      process.kill(-cluster.pid, 'SIGTERM');
      process.kill(-cluster.pid, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      const refused = await fetch(`${cluster.url}/healthz`).then(() => 'accepted', () => 'refused');
      for (const request of inFlight) request.finish();
      const answers = await Promise.all(inFlight.map((request) => request.response));

      expect(await cluster.exited).toEqual({ code: 0, signal: null });
      expect(refused).toBe('refused');
      for (const { status, body } of answers) {
        expect(status).toBe(200);
        expect(JSON.parse(body).errors).toBeUndefined();
      }
      const workers = cluster.workerPids();
      expect(workers).toHaveLength(2);
      for (const pid of workers) expect(isAlive(pid)).toBe(false);
      expect(cluster.lines().filter((line) => line.msg === 'worker exited' && line.code === 0)).toHaveLength(2);
      expect(cluster.lines().some((line) => line.msg === 'worker died: forking a replacement')).toBe(false);
      expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);
      expect(cluster.lines().at(-1)).toMatchObject({ msg: 'shutdown complete', pid: cluster.pid });
    } finally {
      await cluster.stop();
    }
  }, 60_000);
});

describe('WEB_CONCURRENCY=2 when a worker cannot start', () => {
  it('stops the group and exits 1 instead of replacing workers that never served', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    const maintenanceUrl = inject('maintenanceUrl');
    const databaseName = uniqueDatabaseName('bestays_cluster_busy');
    const databaseUrl = await createDatabase(maintenanceUrl, databaseName, inject('templateDatabase'));
    try {
      const failure = await startCluster({ DATABASE_URL: databaseUrl, WEB_CONCURRENCY: '2', PORT: String(port) }).then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      expect(failure).toContain('the cluster exited early with code 1');
      expect(failure).toContain('a worker exited before the server was ready');
      expect(failure).not.toContain('forking a replacement');
    } finally {
      busy.close();
      await dropDatabase(maintenanceUrl, databaseName);
    }
  }, 60_000);
});
