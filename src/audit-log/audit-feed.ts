import type { DatabaseNotifications } from '../db/notifications.js';
import type { Logger } from '../logger.js';
import type { AuditLogRecord } from './audit-log.record.js';
import { AUDIT_LOG_ADDED_CHANNEL } from './audit-feed.channel.js';

/** Receives the entries of the feed in commit order until it is removed. */
export interface FeedSubscriber {
  deliver(entry: AuditLogRecord): void;
}

/** Ids read per statement: a bulk load's burst is read a batch at a time, on one pool connection. */
const MAX_IDS_PER_READ = 500;

export type EntryReader = (ids: readonly string[]) => Promise<Map<string, AuditLogRecord>>;

/**
 * This process's side of the live audit feed. The database names each committed entry on
 * AUDIT_LOG_ADDED_CHANNEL, in commit order; the ids that arrived are read together in one
 * statement (one statement in flight at a time, so a burst never crowds the pool) and each entry
 * is handed to every subscriber in the order its notification came, so one entity's entries reach
 * a subscriber in commit order. With no subscriber nothing is read. A notification sent while the
 * listening connection is down is lost: subscribers catch up with `auditLogs` (see the README).
 */
export class AuditFeed {
  private readonly subscribers = new Set<FeedSubscriber>();
  private pending: string[] = [];
  private reading = false;

  constructor(
    notifications: Pick<DatabaseNotifications, 'on' | 'onInterruption'>,
    private readonly readEntries: EntryReader,
    private readonly logger: Logger,
  ) {
    notifications.on(AUDIT_LOG_ADDED_CHANNEL, (id) => this.received(id));
    notifications.onInterruption(() => this.logger.warn('audit feed interrupted: entries committed meanwhile are not delivered'));
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  add(subscriber: FeedSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  private received(id: string): void {
    if (this.subscribers.size === 0) return;
    this.pending.push(id);
    if (!this.reading) void this.readPending();
  }

  private async readPending(): Promise<void> {
    this.reading = true;
    try {
      while (this.pending.length > 0) {
        const ids = this.pending.slice(0, MAX_IDS_PER_READ);
        this.pending = this.pending.slice(ids.length);
        let entries: Map<string, AuditLogRecord>;
        try {
          entries = await this.readEntries(ids);
        } catch (error) {
          this.logger.error({ err: error, auditLogIds: ids.length }, 'audit feed could not read entries: they are not delivered');
          continue;
        }
        for (const id of ids) {
          const entry = entries.get(id);
          if (entry) for (const subscriber of this.subscribers) subscriber.deliver(entry);
        }
      }
    } finally {
      this.reading = false;
    }
  }
}
