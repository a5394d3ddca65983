import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface FeedError {
  message: string;
  extensions?: { code?: string };
}

/** One `next` message of a subscription. */
export interface FeedMessage {
  data?: { auditLogAdded: FeedEntry } | null;
  errors?: FeedError[];
}

export interface FeedEntry {
  id: string;
  entityType: string;
  entityId: string;
  action: string;
  seq: number;
  changes: Record<string, unknown> | null;
  performedBy: { id: string; email: string } | null;
}

export interface Follower {
  messages: FeedMessage[];
  /** The entries received, in order. */
  entries(): FeedEntry[];
  /** Set once the subscription completed or failed. */
  outcome: { completed: true } | { errors: FeedError[] } | undefined;
  /** Set once the socket closed. */
  closed: { code: number; reason: string } | undefined;
  stop(): Promise<void>;
}

export const FEED_DOCUMENT = `subscription Feed($filter: AuditLogFilter) {
  auditLogAdded(filter: $filter) { id entityType entityId action seq changes performedBy { id email } }
}`;

export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/graphql`;
}

/** A graphql-ws client over `ws`, as a dashboard would open one, following `auditLogAdded`. */
export function followFeed(httpUrl: string, token: string | undefined, filter?: Record<string, unknown>): Follower {
  const follower: Follower = {
    messages: [],
    entries: () => follower.messages.flatMap((message) => (message.data?.auditLogAdded ? [message.data.auditLogAdded] : [])),
    outcome: undefined,
    closed: undefined,
    stop: async () => {
      unsubscribe();
      await client.dispose();
    },
  };
  const client: Client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        follower.closed = { code, reason: String(reason) };
      },
    },
  });
  const unsubscribe = client.subscribe<FeedMessage['data']>(
    { query: FEED_DOCUMENT, variables: { filter: filter ?? null } },
    {
      next: (message) => void follower.messages.push(message as FeedMessage),
      error: (error) => {
        follower.outcome = { errors: Array.isArray(error) ? (error as FeedError[]) : [{ message: String((error as { reason?: string }).reason ?? error) }] };
      },
      complete: () => {
        follower.outcome ??= { completed: true };
      },
    },
  );
  return follower;
}

/** Polls `condition` until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Active subscriptions of the server at `httpUrl`, from its /metrics. */
export async function activeSubscriptions(httpUrl: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith('audit_feed_subscriptions_active '));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** Waits until the server has `count` subscriptions registered with its feed: entries from then on reach them. */
export async function waitForSubscriptions(httpUrl: string, count: number): Promise<void> {
  if (!(await eventually(async () => (await activeSubscriptions(httpUrl)) >= count))) {
    throw new Error(`the server never had ${count} active subscriptions`);
  }
}

/** A subscription held on a bare `ws` socket, so that a test can stop reading it as a stalled client would. */
export interface RawFollower {
  socket: WebSocket;
  /** Resolves once the socket closed, with the server's code and reason. */
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a socket, initialises it with `token` and subscribes `count` times to `auditLogAdded` (ids "1", "2"…). */
export async function followFeedRaw(httpUrl: string, token: string, filter?: Record<string, unknown>, count = 1): Promise<RawFollower> {
  const socket = new WebSocket(wsUrl(httpUrl), 'graphql-transport-ws');
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.once('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string };
      if (message.type !== 'connection_ack') return reject(new Error(`expected connection_ack, got ${String(data)}`));
      for (let id = 1; id <= count; id++) {
        socket.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query: FEED_DOCUMENT, variables: { filter: filter ?? null } } }));
      }
      resolve();
    });
  });
  return { socket, closed };
}
