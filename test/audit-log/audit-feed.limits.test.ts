import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import pino from 'pino';
import { buildSchema, parse } from 'graphql';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn, type SignedInUser } from '../support/users.js';
import { Role } from '../../src/users/role.js';
import {
  activeSubscriptions,
  eventually,
  FEED_DOCUMENT,
  followFeed,
  followFeedRaw,
  waitForSubscriptions,
  wsUrl,
  type FeedError,
  type Follower,
} from '../support/feed.js';
import { seedProperties } from '../support/properties.js';
import { AuditFeed } from '../../src/audit-log/audit-feed.js';
import { AuditFeedSubscription, MAX_QUEUED_ENTRIES } from '../../src/audit-log/audit-feed.subscription.js';
import { AuditLogRecord } from '../../src/audit-log/audit-log.record.js';
import { AuditAction } from '../../src/audit-log/audit-action.js';
import type { GraphQLContext } from '../../src/graphql/context.js';
import { MAX_SEND_BUFFER_BYTES, MAX_SUBSCRIPTIONS_PER_CONNECTION, SLOW_CONSUMER_CLOSE_CODE } from '../../src/http/subscriptions.server.js';

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
  it(`is ended, and its connection told to close, past ${MAX_QUEUED_ENTRIES} entries waiting behind the one being written`, async () => {
    let notify: (id: string) => void = () => undefined;
    const entryFor = (id: string) =>
      new AuditLogRecord(id, 'property', 'p', AuditAction.UPDATE, '2026-11-30 00:00:00+00', null, null, null, null, null, 1, 'h', null);
    const feed = new AuditFeed(
      { on: (_channel, handler) => ((notify = handler), () => true), onInterruption: () => () => true, synchronize: async () => true },
      async (ids) => new Map(ids.map((id) => [id, entryFor(id)])),
      pino({ level: 'silent' }),
    );
    const schema = buildSchema('type Query { ok: Boolean } type Entry { id: ID! } type Subscription { auditLogAdded: Entry }');
    let sent = 0;
    let disconnected = 0;
    const subscription = new AuditFeedSubscription(
      {
        feed,
        operation: {
          key: 'feed',
          schema,
          document: parse('subscription { auditLogAdded { id } }'),
          operationName: undefined,
          variableValues: undefined,
          serialize: (result) => JSON.stringify(result),
        },
        viewerKey: 'admin',
        currentViewer: async () => null,
        // A socket whose reader never reads: nothing it is given is ever written out.
        socket: { backedUp: false, sendNext: () => ((sent += 1), true), disconnectSlowConsumer: () => void (disconnected += 1) },
      },
      () => true,
      { viewer: null } as GraphQLContext,
      () => true,
    );
    // One at a time, so that the feed keeps up and the entries wait in the subscription itself.
    for (let i = 0; i <= MAX_QUEUED_ENTRIES + 1; i++) {
      notify(`entry-${i}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await eventually(() => disconnected === 1)).toBe(true);
    expect(sent).toBe(1);
    expect(feed.subscriberCount).toBe(0);
    expect(await subscription.next()).toEqual({ done: true, value: undefined });
  });
});

describe('a socket whose reader stops reading', () => {
  let server: TestServer;
  let admin: SignedInUser;
  beforeAll(async () => {
    server = await startTestServer();
    admin = await signIn(server, Role.ADMIN);
  });
  afterAll(async () => {
    await server.close();
  });

  it(`is closed with ${SLOW_CONSUMER_CLOSE_CODE} once more than ${MAX_SEND_BUFFER_BYTES} bytes wait on it, while other readers get every entry`, async () => {
    const properties = await seedProperties(server, { count: 40, titlePrefix: 'Feed: large' });
    const reading = followFeed(server.url, admin.token, { entityType: 'property' });
    // Ten subscriptions on one socket, each with a 250 KB message in flight: 2.5 MB once the kernel's buffers are full.
    const stalled = await followFeedRaw(server.url, admin.token, { entityType: 'property' }, MAX_SUBSCRIPTIONS_PER_CONNECTION);
    await waitForSubscriptions(server.url, 1 + MAX_SUBSCRIPTIONS_PER_CONNECTION);
    stalled.socket.pause();
    // 40 entries of 250 KB (100 MB for the stalled socket): far fewer than the entry bound, so only the bytes can trip.
    const description = 'x'.repeat(250_000);
    await server.sql(
      `with changed as (update properties set description = $2 where id = any($1::uuid[]) returning id)
       insert into audit_log (id, entity_type, entity_id, action, performed_by, changes)
       select gen_random_uuid(), 'property', id::text, 'update', null, jsonb_build_object('description', jsonb_build_object('old', null, 'new', $2::text))
       from changed`,
      [properties, description],
    );
    const updates = () => reading.entries().filter((entry) => entry.action === 'UPDATE');
    expect(await eventually(() => updates().length === properties.length, 20_000)).toBe(true);
    expect(await eventually(async () => (await activeSubscriptions(server.url)) === 1, 5_000)).toBe(true);
    // Once it reads again, it finds what was sent before the bound tripped, then the close.
    stalled.socket.resume();
    expect((await stalled.closed).code).toBe(SLOW_CONSUMER_CLOSE_CODE);
    expect(reading.closed).toBeUndefined();
    expect(updates().every((entry) => entry.changes?.description !== undefined)).toBe(true);
    await reading.stop();
  }, 60_000);
});
