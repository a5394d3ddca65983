import { LRUCache } from 'lru-cache';
import type { DatabaseNotifications } from '../db/notifications.js';
import { USER_CHANGES_CHANNEL, type User } from '../users/user.entity.js';

const MAX_VIEWERS = 10_000;

/**
 * Viewers by token subject, invalidated by the database: the `users` trigger names every user that
 * changed or was deleted, whoever wrote it, and this process's listener forgets that user. A hit
 * is served only after a round trip on the listening connection, so every change committed before
 * the request began has been applied; while the listener is down nothing is served from here, and
 * everything is forgotten when it comes back.
 */
export class ViewerCache {
  private readonly bySubject: LRUCache<string, User>;
  private readonly subjectById = new Map<number, string>();
  /** Moves on every invalidation: a viewer read before a move may already be stale. */
  private epoch = 0;

  constructor(private readonly notifications: DatabaseNotifications) {
    this.bySubject = new LRUCache<string, User>({
      max: MAX_VIEWERS,
      dispose: (user, subject) => {
        if (this.subjectById.get(user.id) === subject) this.subjectById.delete(user.id);
      },
    });
    notifications.on(USER_CHANGES_CHANNEL, (payload) => this.forget(Number(payload)));
    notifications.onInterruption(() => this.forgetAll());
  }

  /**
   * The viewer for `subject` as of now, or undefined: read it from the database, then `remember` it.
   * `asOf: 'last-notification'` is for work that a notification started (an audit entry reaching
   * the live feed): the listener delivers in commit order, so every change committed before that
   * entry has already been applied here, and no round trip is needed to know it.
   */
  async find(subject: string, asOf: 'now' | 'last-notification' = 'now'): Promise<User | undefined> {
    if (!this.bySubject.has(subject)) return undefined;
    const current = asOf === 'now' ? await this.notifications.synchronize() : this.notifications.live;
    if (!current) return undefined;
    return this.bySubject.get(subject);
  }

  /** Where a read starts: pass it to `remember` with what the read found. */
  mark(): number {
    return this.epoch;
  }

  /** Keeps what a read found, unless something was invalidated since it began (it may be older than that). */
  remember(subject: string, user: User, readAt: number): void {
    if (readAt !== this.epoch || !this.notifications.live) return;
    this.bySubject.set(subject, user);
    this.subjectById.set(user.id, subject);
  }

  private forget(userId: number): void {
    this.epoch += 1;
    const subject = this.subjectById.get(userId);
    if (subject !== undefined) this.bySubject.delete(subject);
  }

  private forgetAll(): void {
    this.epoch += 1;
    this.bySubject.clear();
    this.subjectById.clear();
  }
}
