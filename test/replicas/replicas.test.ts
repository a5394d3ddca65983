import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { startReplicatedDatabase, type ReplicatedDatabase } from '../support/replica.js';
import { withClient } from '../support/databases.js';
import { signToken } from '../support/tokens.js';

const MAX_LAG_MS = 400;

interface ReplicaReport {
  status: string;
  replicas?: { name: string; state: string; lagMs: number | null; reason?: string }[];
}

let database: ReplicatedDatabase;
let server: ServerProcess;
let agentToken: string;
let adminToken: string;

async function readiness(): Promise<{ status: number; body: ReplicaReport }> {
  const response = await fetch(`${server.url}/readyz`);
  return { status: response.status, body: (await response.json()) as ReplicaReport };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const replicaState = async (): Promise<string | undefined> => (await readiness()).body.replicas?.[0]?.state;
const untilReplicaIs = (state: string, timeoutMs?: number) =>
  until(`the replica to be ${state}`, async () => ((await replicaState()) === state ? state : undefined), timeoutMs);

async function readCounter(target: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`db_query_reads_total{target="${target}"}`));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

const PROPERTY_READS = /from properties/i;

async function createProperty(title: string): Promise<string> {
  const response = await server.gql<{ createProperty: { id: string; title: string; createdBy: { email: string } } }>(
    'mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id title createdBy { email } } }',
    { token: agentToken, variables: { input: { title, isPublished: true } } },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.createProperty.id;
}

async function titleOf(id: string): Promise<string | null | undefined> {
  const response = await server.gql<{ property: { title: string } | null }>('query($id: ID!) { property(id: $id) { title } }', {
    variables: { id },
  });
  expect(response.errors).toBeUndefined();
  return response.data?.property?.title;
}

/** A user signed in through the server, then given `role` by SQL on the primary (audited, as the database demands). */
async function signedInAs(subject: string, role: 'agent' | 'admin'): Promise<string> {
  const token = await signToken(subject);
  const signedIn = await server.gql<{ me: { id: string } }>('{ me { id } }', { token });
  expect(signedIn.data?.me.id).toBeDefined();
  await withClient(database.primaryUrl, (client) =>
    client.query(
      `with changed as (update users set role = $2 where clerk_user_id = $1 returning id)
       insert into audit_log (id, entity_type, entity_id, action, performed_by, changes)
       select gen_random_uuid(), 'user', id::text, 'update', null, '{}' from changed`,
      [subject, role],
    ),
  );
  return token;
}

beforeAll(async () => {
  database = await startReplicatedDatabase();
  server = await startServerProcess(database.primaryUrl, {
    DATABASE_REPLICA_URLS: database.replicaUrl,
    REPLICA_MAX_LAG_MS: String(MAX_LAG_MS),
  });
  agentToken = await signedInAs(`replica_agent_${process.pid}`, 'agent');
  adminToken = await signedInAs(`replica_admin_${process.pid}`, 'admin');
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await database?.close();
});

describe('streaming replicas (DATABASE_REPLICA_URLS)', () => {
  it('reports each replica on /readyz without giving its password', async () => {
    const { status, body } = await readiness();
    expect(status).toBe(200);
    expect(body.replicas).toEqual([{ name: expect.stringMatching(/^127\.0\.0\.1:\d+\/bestays$/), state: 'serving', lagMs: expect.any(Number) }]);
  });

  it('serves queries from the replica, and mutations, their answers and the viewer from the primary', async () => {
    // The role was changed by SQL after sign-in: this query's viewer is read again, on the primary.
    const me = await server.gql<{ me: { role: string } }>('{ me { role } }', { token: agentToken });
    expect(me.data?.me.role).toBe('AGENT');
    const id = await createProperty('Written on the primary');
    const readsBefore = database.replicaExecuted(PROPERTY_READS);
    // The replica may be a moment behind: the read is retried until replication has caught up.
    expect(await until('the row on the replica', async () => (await titleOf(id)) ?? undefined)).toBe('Written on the primary');
    expect(database.replicaExecuted(PROPERTY_READS)).toBeGreaterThan(readsBefore);

    const listed = await server.gql<{ properties: { edges: { node: { id: string } }[] } }>('{ properties(first: 50) { edges { node { id } } } }');
    expect(listed.data?.properties.edges.map((edge) => edge.node.id)).toContain(id);

    const replicaReadsBeforeMutation = database.replicaExecuted(/./);
    await createProperty('Another one');
    await server.gql('mutation($id: ID!, $input: UpdatePropertyInput!) { updateProperty(id: $id, input: $input) { id title createdBy { email } } }', {
      token: agentToken,
      variables: { id, input: { title: 'Renamed on the primary' } },
    });
    expect(database.replicaExecuted(/./)).toBe(replicaReadsBeforeMutation);
    // The viewer is looked up by its token's subject: never on the replica.
    expect(database.replicaExecuted(/where clerk_user_id/)).toBe(0);
  });

  it('reads on the replica exactly as on the primary: dates, and cursors that page on', async () => {
    const created = await server.gql<{ createProperty: { id: string; createdAt: string } }>(
      'mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id createdAt } }',
      { token: agentToken, variables: { input: { title: 'Dated on the primary', isPublished: true } } },
    );
    const { id, createdAt } = created.data!.createProperty;
    const readsBefore = database.replicaExecuted(PROPERTY_READS);
    const onReplica = await until('the row on the replica', async () => {
      const response = await server.gql<{ property: { createdAt: string } | null }>('query($id: ID!) { property(id: $id) { createdAt } }', {
        variables: { id },
      });
      return response.data?.property ?? undefined;
    });
    expect(onReplica.createdAt).toBe(createdAt);
    expect(database.replicaExecuted(PROPERTY_READS)).toBeGreaterThan(readsBefore);

    const auditReadsBefore = database.replicaExecuted(/from audit_log/i);
    const page = `query($after: String) { auditLogs(first: 1, after: $after) { edges { node { id performedAt } } pageInfo { endCursor hasNextPage } } }`;
    type AuditPage = { auditLogs: { edges: { node: { id: string; performedAt: string } }[]; pageInfo: { endCursor: string; hasNextPage: boolean } } };
    const first = await server.gql<AuditPage>(page, { token: adminToken });
    expect(first.errors).toBeUndefined();
    expect(first.data!.auditLogs.pageInfo.hasNextPage).toBe(true);
    const second = await server.gql<AuditPage>(page, { token: adminToken, variables: { after: first.data!.auditLogs.pageInfo.endCursor } });
    expect(second.errors).toBeUndefined();
    expect(second.data!.auditLogs.edges[0]!.node.id).not.toBe(first.data!.auditLogs.edges[0]!.node.id);
    expect(second.data!.auditLogs.edges[0]!.node.performedAt <= first.data!.auditLogs.edges[0]!.node.performedAt).toBe(true);
    expect(database.replicaExecuted(/from audit_log/i) - auditReadsBefore).toBe(2);
  });

  it('skips a replica that lags more than REPLICA_MAX_LAG_MS and reads from the primary', async () => {
    await database.pauseReplay();
    try {
      const id = await createProperty('Written while the replica lags');
      await untilReplicaIs('lagging');
      const readsBefore = database.replicaExecuted(PROPERTY_READS);
      expect(await titleOf(id)).toBe('Written while the replica lags');
      expect(database.replicaExecuted(PROPERTY_READS)).toBe(readsBefore);
      const { status, body } = await readiness();
      expect(status).toBe(200);
      expect(body.replicas?.[0]?.lagMs).toBeGreaterThan(MAX_LAG_MS);
    } finally {
      await database.resumeReplay();
    }
    await untilReplicaIs('serving');
    const readsBefore = database.replicaExecuted(PROPERTY_READS);
    expect((await server.gql('{ properties(first: 1) { edges { node { id } } } }')).errors).toBeUndefined();
    expect(database.replicaExecuted(PROPERTY_READS)).toBeGreaterThan(readsBefore);
  });

  it('falls back to the primary while the replica is down, and returns to it when it is back', async () => {
    await database.stopReplica();
    try {
      // No check has run yet: the first read finds the replica gone and is answered by the primary.
      const id = await createProperty('Written while the replica is down');
      expect(await titleOf(id)).toBe('Written while the replica is down');
      const { status, body } = await readiness();
      expect(status).toBe(200);
      expect(body.replicas?.[0]).toMatchObject({ state: 'down', lagMs: null, reason: expect.any(String) });
      for (let i = 0; i < 5; i++) expect(await titleOf(id)).toBe('Written while the replica is down');
      // Only the read that found it gone was tried there; the later ones went to the primary directly.
      expect(await readCounter('fallback')).toBe(1);
    } finally {
      await database.startReplica();
    }
    await untilReplicaIs('serving', 20_000);
    const readsBefore = database.replicaExecuted(PROPERTY_READS);
    expect((await server.gql('{ properties(first: 1) { edges { node { id } } } }')).errors).toBeUndefined();
    expect(database.replicaExecuted(PROPERTY_READS)).toBeGreaterThan(readsBefore);
  });

  it('serves from the replica in every worker of a cluster (WEB_CONCURRENCY=2)', async () => {
    const cluster = await startServerProcess(database.primaryUrl, {
      DATABASE_REPLICA_URLS: database.replicaUrl,
      REPLICA_MAX_LAG_MS: String(MAX_LAG_MS),
      WEB_CONCURRENCY: '2',
    });
    try {
      await until('the cluster to report its replica serving', async () => {
        const body = (await (await fetch(`${cluster.url}/readyz`)).json()) as ReplicaReport;
        return body.replicas?.[0]?.state === 'serving' ? true : undefined;
      });
      const readsBefore = database.replicaExecuted(PROPERTY_READS);
      const requests = 20;
      for (let i = 0; i < requests; i++) {
        expect((await cluster.gql('{ properties(first: 1) { edges { node { id } } } }')).errors).toBeUndefined();
      }
      expect(database.replicaExecuted(PROPERTY_READS) - readsBefore).toBe(requests);
      const metrics = await (await fetch(`${cluster.url}/metrics`)).text();
      // Summed over the workers: every one of those reads ran on the replica.
      expect(metrics).toMatch(new RegExp(`^db_query_reads_total\\{target="replica"\\} ${requests}$`, 'm'));
    } finally {
      await cluster.stop();
    }
  });
});
