import type { GraphQLResolveInfo } from 'graphql';
import { roleMayPass } from '../auth/auth.directive.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { User } from '../users/user.entity.js';
import { userIdOf } from '../users/user.service.js';
import type { AuditFeed, Following } from './audit-feed.js';
import { MAX_QUEUED_ENTRIES, type FeedOperation, type SelectionFollower } from './audit-feed.selection.js';
import type { FeedMetrics } from '../http/metrics.js';
import type { AuditLogFilter } from './audit-log.inputs.js';
import type { AuditLogRecord } from './audit-log.record.js';

export { MAX_QUEUED_ENTRIES };

/** A subscription's side of its socket: its `next` messages, written as the feed produces them. */
export interface FeedSocket {
  /** Whether more than MAX_SEND_BUFFER_BYTES wait unsent on the socket: its reader is taken to have stopped. */
  readonly backedUp: boolean;
  /** Sends a `next` message with this payload (JSON), and calls `sent` once it is written out; false, sending nothing, once the socket is closing. */
  sendNext(payload: string, sent: () => void): boolean;
  /** Ends the connection of a reader that fell too far behind. */
  disconnectSlowConsumer(): void;
}

/** What a WebSocket connection gives each of its subscriptions. */
export interface LiveFeed {
  feed: AuditFeed;
  metrics?: FeedMetrics;
  /** The operation as subscribed: subscriptions that sent the same one share its execution. */
  operation: FeedOperation;
  /** The same for every connection of one user (the token's subject). */
  viewerKey: string;
  /** The connection's viewer re-read (null once deleted): roles change while a subscription lives. */
  currentViewer(): Promise<User | null>;
  socket: FeedSocket;
}

/** The subscription's filter as a predicate; `from` and `to` are ignored, as the contract says. */
export function entryMatcher(filter: AuditLogFilter | null | undefined): (entry: AuditLogRecord) => boolean {
  if (!filter) return () => true;
  const performerId = filter.performedBy != null ? userIdOf(filter.performedBy, 'performedBy') : undefined;
  const actions = filter.actions != null ? new Set<string>(filter.actions) : undefined;
  return (entry) =>
    (filter.entityType == null || entry.entityType === filter.entityType) &&
    (filter.entityId == null || entry.entityId === filter.entityId) &&
    (actions === undefined || actions.has(entry.action)) &&
    (performerId === undefined || entry.performedById === performerId) &&
    (filter.changedField == null || (entry.changes !== null && Object.hasOwn(entry.changes, filter.changedField)));
}

/**
 * One subscriber of the feed. The entries it may see are executed and serialized by its shared
 * selection and written to its socket from here, past graphql-js and graphql-ws, one message at a
 * time: the next once the previous has been written out, as graphql-ws paces its own; meanwhile
 * they wait here, and past MAX_QUEUED_ENTRIES waiting (or with its socket backed up) the
 * connection is closed. As a source stream it yields only the entry its @auth rule refuses (its
 * role was lowered, or its user deleted, since the previous entry), which graphql-js executes in
 * this subscription's context to give the rule's error, after everything sent before; then it ends.
 */
export class AuditFeedSubscription implements AsyncIterableIterator<AuditLogRecord>, SelectionFollower {
  /** Payloads waiting for the message before them to be written out. */
  private readonly waiting: string[] = [];
  private writing = false;
  private refused: AuditLogRecord | undefined;
  private failure: Error | undefined;
  private ended = false;
  private endedSignal!: () => void;
  private readonly whenEnded = new Promise<void>((resolve) => (this.endedSignal = resolve));
  private readonly written = (): void => {
    this.writing = false;
    this.writeNext();
  };
  private readonly following: Following;

  constructor(
    private readonly live: LiveFeed,
    matches: (entry: AuditLogRecord) => boolean,
    private readonly context: GraphQLContext,
    private readonly mayFollow: (viewer: User | null) => boolean,
  ) {
    this.following = live.feed.follow(live.operation, matches, this);
  }

  get viewerKey(): string {
    return this.live.viewerKey;
  }

  currentViewer(): Promise<User | null> {
    return this.live.currentViewer();
  }

  admit(entry: AuditLogRecord, viewer: User | null): GraphQLContext | undefined {
    if (this.ended) return undefined;
    this.context.viewer = viewer;
    if (this.mayFollow(viewer)) return this.context;
    // This entry still goes out, after what was sent before it, to be refused by @auth: the subscriber learns why it ends.
    this.sendWaiting();
    this.refused = entry;
    this.end();
    return undefined;
  }

  send(payload: string): void {
    if (this.ended) return;
    if (this.waiting.length >= MAX_QUEUED_ENTRIES) return this.overflow();
    this.waiting.push(payload);
    this.writeNext();
  }

  /** Hands every waiting message to the socket now, which sends them in order (before a close frame). */
  sendWaiting(): void {
    while (!this.ended && this.waiting.length > 0) this.write(this.waiting.shift()!);
  }

  overflow(): void {
    if (this.ended) return;
    this.end();
    this.live.socket.disconnectSlowConsumer();
  }

  fail(error: Error): void {
    if (this.ended) return;
    this.sendWaiting();
    this.failure = error;
    this.end();
  }

  async next(): Promise<IteratorResult<AuditLogRecord>> {
    await this.whenEnded;
    if (this.failure) throw this.failure;
    const refused = this.refused;
    this.refused = undefined;
    return refused ? { done: false, value: refused } : { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<AuditLogRecord>> {
    this.end();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private writeNext(): void {
    if (this.writing || this.ended || this.waiting.length === 0) return;
    if (this.live.socket.backedUp) return this.overflow();
    this.write(this.waiting.shift()!);
  }

  private write(payload: string): void {
    if (!this.live.socket.sendNext(payload, this.written)) return this.end();
    this.writing = true;
    this.live.metrics?.eventDelivered();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    const unsent = this.waiting.length + this.following.leave();
    this.waiting.length = 0;
    if (unsent > 0) this.live.metrics?.eventsDropped(unsent);
    this.endedSignal();
  }
}

/** The source stream of `auditLogAdded`: entries from now on that match the filter. */
export function followAuditLog(
  filter: AuditLogFilter | null | undefined,
  context: GraphQLContext,
  info: GraphQLResolveInfo,
): AuditFeedSubscription {
  if (!context.live) throw new Error('auditLogAdded is served over WebSockets only');
  const mayFollow = (viewer: User | null): boolean => roleMayPass(info.schema, info.parentType.name, info.fieldName, viewer);
  return new AuditFeedSubscription(context.live, entryMatcher(filter), context, mayFollow);
}
