import type { GraphQLResolveInfo } from 'graphql';
import { roleMayPass } from '../auth/auth.directive.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { User } from '../users/user.entity.js';
import { userIdOf } from '../users/user.service.js';
import type { AuditFeed, FeedSubscriber } from './audit-feed.js';
import type { FeedMetrics } from '../http/metrics.js';
import type { AuditLogFilter } from './audit-log.inputs.js';
import type { AuditLogRecord } from './audit-log.record.js';

/** What a WebSocket connection gives its subscriptions: the feed, and its viewer as of now. */
export interface LiveFeed {
  feed: AuditFeed;
  metrics?: FeedMetrics;
  /** The connection's viewer re-read (null once deleted): roles change while a subscription lives. */
  currentViewer(): Promise<User | null>;
  /** Called when a subscription's backlog passes its bound: the connection is ended. */
  overflowed(): void;
}

/** Entries a subscription may have waiting: a reader that falls this far behind is disconnected. */
export const MAX_QUEUED_ENTRIES = 1_000;

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
 * One subscriber's entries, queued as the feed hands them over and taken by graphql-js one at a
 * time. Before each entry the viewer is read again and put in the context, so the field's @auth
 * rule judges the entry by the viewer's role as of now: an entry the viewer may no longer see is
 * refused with the rule's error, and the subscription ends there.
 */
export class AuditFeedSubscription implements AsyncIterableIterator<AuditLogRecord>, FeedSubscriber {
  private readonly queue: AuditLogRecord[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly live: LiveFeed,
    private readonly matches: (entry: AuditLogRecord) => boolean,
    private readonly context: GraphQLContext,
    private readonly mayFollow: (viewer: User | null) => boolean,
  ) {
    this.unsubscribe = live.feed.add(this);
  }

  deliver(entry: AuditLogRecord): void {
    if (this.ended || !this.matches(entry)) return;
    if (this.queue.length >= MAX_QUEUED_ENTRIES) {
      this.live.metrics?.eventsDropped(1);
      this.end();
      this.live.overflowed();
      return;
    }
    this.queue.push(entry);
    this.wake?.();
  }

  async next(): Promise<IteratorResult<AuditLogRecord>> {
    const entry = await this.take();
    if (!entry) return { done: true, value: undefined };
    const viewer = await this.live.currentViewer();
    this.context.viewer = viewer;
    // This entry still goes out, to be refused by @auth: the subscriber learns why it ends.
    if (!this.mayFollow(viewer)) this.end();
    else this.live.metrics?.eventDelivered();
    return { done: false, value: entry };
  }

  async return(): Promise<IteratorResult<AuditLogRecord>> {
    this.end();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async take(): Promise<AuditLogRecord | undefined> {
    while (!this.ended) {
      const entry = this.queue.shift();
      if (entry) return entry;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    return undefined;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.live.metrics?.eventsDropped(this.queue.length);
    this.queue.length = 0;
    this.unsubscribe();
    this.wake?.();
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
