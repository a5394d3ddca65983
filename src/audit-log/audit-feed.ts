import type { DatabaseNotifications } from '../db/notifications.js';
import type { Logger } from '../logger.js';
import type { AuditLogRecord } from './audit-log.record.js';
import { AUDIT_LOG_ADDED_CHANNEL } from './audit-feed.channel.js';
import { SharedSelection, type FeedOperation, type SelectionFollower } from './audit-feed.selection.js';

/** Ids read per statement: a bulk load's burst is read a batch at a time, on one pool connection. */
const MAX_IDS_PER_READ = 500;

export type EntryReader = (ids: readonly string[]) => Promise<Map<string, AuditLogRecord>>;

/** A subscription's place in the feed; `leave` returns how many matched entries it leaves unsent. */
export interface Following {
  leave(): number;
}

/**
 * This process's side of the live audit feed. The database names each committed entry on
 * AUDIT_LOG_ADDED_CHANNEL, in commit order; the ids that arrived are read together in one
 * statement (one statement in flight at a time, so a burst never crowds the pool) and each entry
 * is handed, in the order its notification came, to every shared selection: the subscriptions
 * that sent the same operation, which execute and serialize it once for all of them (see
 * SharedSelection). With no subscriber nothing is read. A notification sent while the listening
 * connection is down is lost: subscribers catch up with `auditLogs` (see the README).
 */
export class AuditFeed {
  private readonly selections = new Map<string, SharedSelection>();
  private followers = 0;
  private pending: string[] = [];
  private reading: Promise<void> | undefined;

  constructor(
    private readonly notifications: Pick<DatabaseNotifications, 'on' | 'onInterruption' | 'synchronize'>,
    private readonly readEntries: EntryReader,
    private readonly logger: Logger,
  ) {
    notifications.on(AUDIT_LOG_ADDED_CHANNEL, (id) => this.received(id));
    notifications.onInterruption(() => this.logger.warn('audit feed interrupted: entries committed meanwhile are not delivered'));
  }

  /** Subscriptions following the feed. */
  get subscriberCount(): number {
    return this.followers;
  }

  /** Adds a subscription to the selection of its operation; `matches` is its filter (the same for the whole selection). */
  follow(operation: FeedOperation, matches: (entry: AuditLogRecord) => boolean, follower: SelectionFollower): Following {
    let selection = this.selections.get(operation.key);
    if (!selection) this.selections.set(operation.key, (selection = new SharedSelection(operation, matches)));
    selection.add(follower);
    this.followers += 1;
    const joined = selection;
    let left = false;
    return {
      leave: () => {
        if (left) return 0;
        left = true;
        this.followers -= 1;
        joined.remove(follower);
        if (joined.size === 0 && this.selections.get(operation.key) === joined) this.selections.delete(operation.key);
        return joined.waiting;
      },
    };
  }

  /**
   * Resolves once every entry committed before the call has been handed to its subscribers' sockets
   * (false when the listening connection was down, and some may have been lost). For shutdown.
   */
  async flush(): Promise<boolean> {
    const heard = await this.notifications.synchronize();
    await this.reading;
    await Promise.all([...this.selections.values()].map((selection) => selection.settled()));
    return heard;
  }

  private received(id: string): void {
    if (this.followers === 0) return;
    this.pending.push(id);
    this.reading ??= this.readPending();
  }

  private async readPending(): Promise<void> {
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
          if (entry) for (const selection of this.selections.values()) selection.deliver(entry);
        }
      }
    } finally {
      this.reading = undefined;
    }
  }
}
