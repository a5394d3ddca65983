import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import pino from 'pino';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { Role } from '../../src/users/role.js';
import { eventually, FEED_DOCUMENT, followFeed, waitForSubscriptions, wsUrl, type FeedError, type Follower } from '../support/feed.js';
import { AuditFeed } from '../../src/audit-log/audit-feed.js';
import { AuditFeedSubscription, MAX_QUEUED_ENTRIES } from '../../src/audit-log/audit-feed.subscription.js';
import { AuditLogRecord } from '../../src/audit-log/audit-log.record.js';
import { AuditAction } from '../../src/audit-log/audit-action.js';
import type { GraphQLContext } from '../../src/graphql/context.js';
import { MAX_SUBSCRIPTIONS_PER_CONNECTION } from '../../src/http/subscriptions.server.js';

const errorsOf = (follower: Follower): FeedError[] =>
  follower.outcome && 'errors' in follower.outcome ? follower.outcome.errors : follower.messages.flatMap((message) => message.errors ?? []);

describe('the live feed limits', () => {
  let server: TestServer;
  let admin: SignedInUser;
  beforeAll(async () => {
    server = await startTestServer({ env: { SUBSCRIPTIONS_MAX: '12' } });
    admin = await signIn(server, Role.ADMIN);
  });
  afterAll(async () => {
    await server.close();
  });

  it(`refuses a connection's subscription past ${MAX_SUBSCRIPTIONS_PER_CONNECTION}, and the process's past SUBSCRIPTIONS_MAX`, async () => {
    const client = createClient({
      url: wsUrl(server.url),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${admin.token}` },
    });
    const refusals: unknown[] = [];
    const unsubscribes = Array.from({ length: MAX_SUBSCRIPTIONS_PER_CONNECTION + 1 }, () =>
      client.subscribe({ query: FEED_DOCUMENT }, { next: () => undefined, error: (error) => refusals.push(error), complete: () => undefined }),
    );
    try {
      await waitForSubscriptions(server.url, MAX_SUBSCRIPTIONS_PER_CONNECTION);
      expect(await eventually(() => refusals.length === 1)).toBe(true);
      expect((refusals[0] as FeedError[]).map((error) => error.extensions?.code)).toEqual(['BAD_REQUEST']);
      // Two more on other connections reach SUBSCRIPTIONS_MAX (12); the next is refused.
      const more = [followFeed(server.url, admin.token), followFeed(server.url, admin.token)];
      await waitForSubscriptions(server.url, 12);
      const over = followFeed(server.url, admin.token);
      expect(await eventually(() => over.outcome !== undefined)).toBe(true);
      expect(errorsOf(over).map((error) => error.extensions?.code)).toEqual(['BAD_REQUEST']);
      expect(errorsOf(over)[0]?.message).toMatch(/SUBSCRIPTIONS_MAX/);
      await Promise.all([...more, over].map((follower) => follower.stop()));
    } finally {
      unsubscribes.forEach((unsubscribe) => unsubscribe());
      await client.dispose();
    }
  });

  it('closes a socket that never sends connection_init', async () => {
    const socket = new WebSocket(wsUrl(server.url), 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => socket.once('close', (closeCode) => resolve(closeCode)));
    expect(code).toBe(4408);
  });
});

describe('a subscription whose reader falls behind', () => {
  it(`is ended, and its connection told to close, past ${MAX_QUEUED_ENTRIES} waiting entries`, async () => {
    let notify: (id: string) => void = () => undefined;
    const entryFor = (id: string) =>
      new AuditLogRecord(id, 'property', 'p', AuditAction.UPDATE, '2026-11-30 00:00:00+00', null, null, null, null, null, 1, 'h', null);
    const feed = new AuditFeed(
      { on: (_channel, handler) => ((notify = handler), () => true), onInterruption: () => () => true },
      async (ids) => new Map(ids.map((id) => [id, entryFor(id)])),
      pino({ level: 'silent' }),
    );
    let overflowed = 0;
    const subscription = new AuditFeedSubscription(
      { feed, currentViewer: async () => null, overflowed: () => void (overflowed += 1) },
      () => true,
      { viewer: null } as GraphQLContext,
      () => true,
    );
    for (let i = 0; i <= MAX_QUEUED_ENTRIES; i++) notify(`entry-${i}`);
    expect(await eventually(() => overflowed === 1)).toBe(true);
    expect(feed.subscriberCount).toBe(0);
    expect(await subscription.next()).toEqual({ done: true, value: undefined });
  });
});
