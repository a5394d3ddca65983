import { execute, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { GraphQLContext } from '../graphql/context.js';
import type { User } from '../users/user.entity.js';
import type { AuditLogRecord } from './audit-log.record.js';

/** Entries a subscription may have waiting: a reader that falls this far behind is disconnected. */
export const MAX_QUEUED_ENTRIES = 1_000;

/** A subscription operation as its subscriber sent it; those with the same key get the same bytes for each entry. */
export interface FeedOperation {
  /** The document, operation name and variables: equal keys select, filter and format alike. */
  readonly key: string;
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operationName: string | null | undefined;
  readonly variableValues: Readonly<Record<string, unknown>> | null | undefined;
  /** The payload of the `next` message that carries `result`, as JSON (errors formatted, and logged, once). */
  serialize(result: ExecutionResult): string;
}

/** A subscription as a shared selection serves it. */
export interface SelectionFollower {
  /** Followers with the same key are the same user: their role is read once per entry. */
  readonly viewerKey: string;
  currentViewer(): Promise<User | null>;
  /**
   * Whether `viewer` may have `entry`: if so, the context to execute it in; if not, the follower
   * keeps the entry to be refused on its own and ends.
   */
  admit(entry: AuditLogRecord, viewer: User | null): GraphQLContext | undefined;
  /** Ends a follower, after what was sent before, with an error: its viewer could not be read, say. */
  fail(error: Error): void;
  /** Sends the payload that every admitted follower gets for the entry. */
  send(payload: string): void;
  /** Hands whatever waits for the follower to its socket at once (on shutdown). */
  sendWaiting(): void;
  /** Ends a follower whose entries waited past MAX_QUEUED_ENTRIES. */
  overflow(): void;
}

/**
 * The subscriptions of one process that sent the same operation. Each entry that matches their
 * filter is executed once, as the first subscriber whose role admits it, serialized once, and
 * sent to every admitted subscriber as its own `next` message; a subscriber the entry's @auth
 * refuses gets the refusal alone. Entries are taken one at a time, in the order the feed hands
 * them over, so that every subscriber gets one entity's entries in commit order.
 * One execution serves them all because only admins may follow, and every admin sees every field
 * of an entry alike; a field whose value depended on who asks would have to put the viewer in the key.
 */
export class SharedSelection {
  private readonly followers = new Set<SelectionFollower>();
  private readonly queue: AuditLogRecord[] = [];
  private running: Promise<void> | undefined;

  constructor(
    readonly operation: FeedOperation,
    private readonly matches: (entry: AuditLogRecord) => boolean,
  ) {}

  get size(): number {
    return this.followers.size;
  }

  /** Entries matched but not yet sent: what a follower that leaves now never gets. */
  get waiting(): number {
    return this.queue.length;
  }

  add(follower: SelectionFollower): void {
    this.followers.add(follower);
  }

  remove(follower: SelectionFollower): void {
    this.followers.delete(follower);
  }

  deliver(entry: AuditLogRecord): void {
    if (!this.matches(entry)) return;
    if (this.queue.length >= MAX_QUEUED_ENTRIES) {
      // The process itself is behind: every follower's backlog has passed the bound.
      for (const follower of [...this.followers]) follower.overflow();
      return;
    }
    this.queue.push(entry);
    this.running ??= this.sendQueued();
  }

  /** Resolves once every entry handed over so far has been handed to the followers' sockets. */
  async settled(): Promise<void> {
    await this.running;
    for (const follower of this.followers) follower.sendWaiting();
  }

  private async sendQueued(): Promise<void> {
    try {
      for (let entry = this.queue.shift(); entry; entry = this.queue.shift()) {
        if (this.followers.size === 0) continue;
        try {
          await this.send(entry);
        } catch (error) {
          // Not expected: the followers end with the error (graphql-ws sends and logs it) rather than miss entries silently.
          for (const follower of [...this.followers]) follower.fail(error instanceof Error ? error : new Error(String(error)));
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private async send(entry: AuditLogRecord): Promise<void> {
    const followers = [...this.followers];
    const viewers = await this.currentViewers(followers);
    const admitted: SelectionFollower[] = [];
    let context: GraphQLContext | undefined;
    for (const follower of followers) {
      const viewer = viewers.get(follower.viewerKey) ?? null;
      if (viewer instanceof Error) {
        follower.fail(viewer);
        continue;
      }
      const admittedIn = follower.admit(entry, viewer);
      if (!admittedIn) continue;
      context ??= admittedIn;
      admitted.push(follower);
    }
    if (!context) return;
    const payload = this.operation.serialize(await this.execute(entry, context));
    for (const follower of admitted) follower.send(payload);
  }

  /** Each distinct viewer read once, concurrently; a read that failed gives its error. */
  private async currentViewers(followers: readonly SelectionFollower[]): Promise<Map<string, User | null | Error>> {
    const reads = new Map<string, Promise<User | null | Error>>();
    for (const follower of followers) {
      if (reads.has(follower.viewerKey)) continue;
      reads.set(follower.viewerKey, follower.currentViewer().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))));
    }
    const viewers = new Map<string, User | null | Error>();
    for (const [key, read] of reads) viewers.set(key, await read);
    return viewers;
  }

  /** What graphql-js's `subscribe` does for each event: the operation executed with the entry as its root. */
  private async execute(entry: AuditLogRecord, contextValue: GraphQLContext): Promise<ExecutionResult> {
    const { schema, document, operationName, variableValues } = this.operation;
    try {
      return await execute({ schema, document, operationName, variableValues, rootValue: entry, contextValue });
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      return { errors: [new GraphQLError(cause.message, { originalError: cause })] };
    }
  }
}
