import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, dropDatabase, uniqueDatabaseName } from '../support/databases.js';
import { signToken } from '../support/tokens.js';
import { eventually, followFeed, waitForSubscriptions, type Follower } from '../support/feed.js';
import { createOrm, type Orm } from '../../src/db/orm.js';
import { runAsSystem } from '../../src/audit-log/system-actor.js';
import { User } from '../../src/users/user.entity.js';
import { Role } from '../../src/users/role.js';
import { isAlive, metricValue, post, startCluster, type ClusterProcess } from './cluster-process.js';

interface Admin {
  id: string;
  token: string;
}

/**
 * Pids of the workers that served the requests sent with `requestIdPrefix`, from their request
 * lines (LOG_LEVEL=info logs one per request, after the response: waits until `count` have arrived).
 */
async function pidsServing(cluster: ClusterProcess, requestIdPrefix: string, count: number): Promise<Set<number>> {
  const lines = () =>
    cluster.lines().filter((line) => line.msg === 'request' && typeof line.requestId === 'string' && line.requestId.startsWith(requestIdPrefix));
  await eventually(() => lines().length >= count, 2_000);
  return new Set(lines().map((line) => line.pid!));
}

describe('WEB_CONCURRENCY=2', () => {
  const maintenanceUrl = inject('maintenanceUrl');
  const databaseName = uniqueDatabaseName('bestays_cluster');
  let cluster: ClusterProcess;
  let orm: Orm;
  let counter = 0;

  /** A user signed in through the cluster, then made admin by the system (as `npm run users:set-role` would). */
  async function signInAdmin(): Promise<Admin> {
    const subject = `cluster_admin_${process.pid}_${++counter}`;
    const token = await signToken(subject);
    const { body } = await post<{ me: { id: string } }>(cluster.url, '{ me { id } }', { token });
    await runAsSystem(orm, async (em) => {
      const user = await em.findOneOrFail(User, { clerkUserId: subject });
      user.role = Role.ADMIN;
      await em.flush();
    });
    return { id: body.data!.me.id, token };
  }

  beforeAll(async () => {
    const databaseUrl = await createDatabase(maintenanceUrl, databaseName, inject('templateDatabase'));
    orm = await createOrm({ clientUrl: databaseUrl, poolMax: 2 });
    cluster = await startCluster({ DATABASE_URL: databaseUrl, WEB_CONCURRENCY: '2', SHUTDOWN_GRACE_MS: '2000' });
  });
  afterAll(async () => {
    await cluster?.stop();
    await orm?.close();
    await dropDatabase(maintenanceUrl, databaseName);
  });

  it('answers requests from two worker processes on one port', async () => {
    for (let i = 0; i < 8; i++) {
      const { status, body } = await post(cluster.url, '{ __typename }', { requestId: `who-serves-${i}` });
      expect(status).toBe(200);
      expect(body.data).toEqual({ __typename: 'Query' });
    }
    const workers = cluster.workerPids();
    expect(workers).toHaveLength(2);
    expect(workers).not.toContain(cluster.pid);
    expect(await pidsServing(cluster, 'who-serves-', 8)).toEqual(new Set(workers));
  });

  it('sizes each worker pool from max_connections and logs the size once', () => {
    const sizing = cluster.lines().filter((line) => line.msg.startsWith('database pool:'));
    expect(sizing).toHaveLength(1);
    expect(sizing[0]).toMatchObject({ workers: 2, pid: cluster.pid });
    expect(sizing[0]!.poolSize).toBeGreaterThanOrEqual(2);
  });

  it('serves /metrics aggregated over the workers', async () => {
    const before = await metricValue(cluster.url, 'graphql_requests_total', { operation: 'Counted' });
    for (let i = 0; i < 10; i++) await post(cluster.url, 'query Counted { __typename }', { requestId: `counted-${i}` });
    expect((await pidsServing(cluster, 'counted-', 10)).size).toBe(2);
    expect((await metricValue(cluster.url, 'graphql_requests_total', { operation: 'Counted' })) - before).toBe(10);
    expect(await metricValue(cluster.url, 'cluster_workers', { state: 'configured' })).toBe(2);
    expect(await metricValue(cluster.url, 'cluster_workers', { state: 'running' })).toBe(2);
  });

  it('refuses, through every worker, the next request of an admin whose role another worker lowered', async () => {
    const [actor, demoted] = [await signInAdmin(), await signInAdmin()];
    const adminOnly = 'query AdminOnly { auditLogs(first: 1) { nodes { id } } }';
    // Both workers have trusted the admin before (their viewer caches hold the user).
    for (let i = 0; i < 4; i++) {
      expect((await post(cluster.url, adminOnly, { token: demoted.token, requestId: `admin-only-${i}` })).body.errors).toBeUndefined();
    }
    expect((await pidsServing(cluster, 'admin-only-', 4)).size).toBe(2);

    const lowered = await post(cluster.url, `mutation { setUserRole(id: "${demoted.id}", role: USER) { role } }`, { token: actor.token });
    expect(lowered.body.data).toEqual({ setUserRole: { role: 'USER' } });
    for (let i = 0; i < 4; i++) {
      const { body } = await post(cluster.url, adminOnly, { token: demoted.token });
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('delivers the live feed over a socket on one worker for writes through either worker', async () => {
    const admin = await signInAdmin();
    const follower: Follower = followFeed(cluster.url, admin.token, { entityType: 'property' });
    try {
      await waitForSubscriptions(cluster.url, 1);
      const created: string[] = [];
      for (let i = 0; i < 4; i++) {
        const { body } = await post<{ createProperty: { id: string } }>(
          cluster.url,
          `mutation CreateThroughCluster { createProperty(input: { title: "Cluster ${i}" }) { id } }`,
          { token: admin.token, requestId: `create-${i}` },
        );
        created.push(body.data!.createProperty.id);
      }
      expect((await pidsServing(cluster, 'create-', 4)).size).toBe(2);
      const received = () => follower.entries().filter((entry) => created.includes(entry.entityId));
      expect(await eventually(() => received().length >= created.length, 2_000)).toBe(true);
      expect(received().map((entry) => entry.entityId).sort()).toEqual([...created].sort());
    } finally {
      await follower.stop();
    }
  });

  it('replaces a worker killed with SIGKILL, logs it, and keeps answering meanwhile', async () => {
    const [victim, survivor] = cluster.workerPids();
    process.kill(victim!, 'SIGKILL');
    const death = () => cluster.lines().find((line) => line.msg === 'worker died: forking a replacement');
    // A connection the primary hands over in the instant before it learns of the death is lost with
    // the worker (node's round-robin hand-off); from the death on, every request must be answered.
    expect(await eventually(() => death() !== undefined, 5_000)).toBe(true);
    const statuses: number[] = [];
    const replaced = () => cluster.lines().some((line) => line.msg === 'replacement worker ready');
    const deadline = Date.now() + 15_000;
    while (!replaced() && Date.now() < deadline) statuses.push((await post(cluster.url, '{ __typename }')).status);
    for (let i = 0; i < 4; i++) statuses.push((await post(cluster.url, '{ __typename }')).status);

    expect(replaced()).toBe(true);
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(death()).toMatchObject({ level: 50, workerPid: victim, signal: 'SIGKILL' });
    const workers = cluster.workerPids();
    expect(workers).toHaveLength(3);
    expect(isAlive(victim!)).toBe(false);
    expect(isAlive(survivor!)).toBe(true);
    expect(isAlive(workers[2]!)).toBe(true);
    expect(await metricValue(cluster.url, 'cluster_workers', { state: 'running' })).toBe(2);
    expect(await metricValue(cluster.url, 'cluster_worker_restarts_total')).toBe(1);
  });
});
