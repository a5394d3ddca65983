import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { createPropertyAs, seedProperties } from '../support/properties.js';
import { Role } from '../../src/users/role.js';
import { eventually, followFeed, waitForSubscriptions, type Follower } from '../support/feed.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run users:set-role` as an operator runs it: its own process, its own connection. */
async function setRoleByCommand(databaseUrl: string, who: string, role: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    execFile(
      'npx',
      ['tsx', 'src/users/set-role.cli.ts', who, role],
      { cwd: PROJECT_ROOT, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }, timeout: 60_000 },
      (error) => (error ? reject(error) : resolve()),
    );
  });
}

describe('auditLogAdded across server processes and writers', () => {
  let server: TestServer;
  let other: ServerProcess;
  let admin: SignedInUser;
  let agent: SignedInUser;
  let follower: Follower;

  beforeAll(async () => {
    server = await startTestServer();
    other = await startServerProcess(server.databaseUrl);
    admin = await signIn(server, Role.ADMIN);
    agent = await signIn(server, Role.AGENT);
    follower = followFeed(other.url, admin.token);
    await waitForSubscriptions(other.url, 1);
  });
  afterAll(async () => {
    await follower?.stop();
    await other?.stop();
    await server?.close();
  });

  it("delivers an entry written through one process to a subscriber of another", async () => {
    const property = await createPropertyAs(server, agent, { title: 'Feed: across processes' });
    expect(await eventually(() => follower.entries().some((entry) => entry.entityId === property.id), 1_000)).toBe(true);
    expect(follower.entries().filter((entry) => entry.entityId === property.id)).toHaveLength(1);
  });

  it('delivers the entry that npm run users:set-role writes', async () => {
    const promoted = await signIn(server, Role.USER);
    await setRoleByCommand(server.databaseUrl, promoted.email, 'agent');
    const roleChange = () =>
      follower.entries().find((entry) => entry.entityType === 'user' && entry.entityId === promoted.id && entry.action === 'UPDATE');
    expect(await eventually(() => roleChange() !== undefined, 2_000)).toBe(true);
    expect(roleChange()?.changes).toMatchObject({ role: { old: 'USER', new: 'AGENT' } });
  });
});

describe('auditLogAdded on shutdown', () => {
  it('closes open sockets with 1001', async () => {
    const server = await startTestServer();
    try {
      const admin = await signIn(server, Role.ADMIN);
      const follower = followFeed(server.url, admin.token);
      await waitForSubscriptions(server.url, 1);
      await server.server.close();
      expect(await eventually(() => follower.closed !== undefined, 2_000)).toBe(true);
      expect(follower.closed?.code).toBe(1001);
    } finally {
      await server.close();
    }
  });

  it('sends every entry committed before it began, then closes with 1001', async () => {
    const server = await startTestServer();
    try {
      const admin = await signIn(server, Role.ADMIN);
      const follower = followFeed(server.url, admin.token, { entityType: 'property' });
      await waitForSubscriptions(server.url, 1);
      // One statement: 300 entries commit together, and shutdown begins before any can have been sent.
      const created = await seedProperties(server, { count: 300, titlePrefix: 'Feed: before shutdown' });
      await server.server.close();
      expect(await eventually(() => follower.closed !== undefined, 2_000)).toBe(true);
      expect(follower.closed?.code).toBe(1001);
      expect(follower.entries().map((entry) => entry.entityId).sort()).toEqual([...created].sort());
    } finally {
      await server.close();
    }
  });
});
