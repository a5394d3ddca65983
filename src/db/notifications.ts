import pg from 'pg';
import type { Logger } from '../logger.js';

type Handler = (payload: string) => void;

export interface NotificationsOptions {
  url: string;
  channels: readonly string[];
  logger: Logger;
  /** First wait before reconnecting; doubles up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * The process's one listening connection: PostgreSQL NOTIFY reaches whoever subscribed, and a
 * round trip on the same connection (`synchronize`) proves that every notification committed
 * before it began has been delivered. It reconnects with backoff; while it is down, and whenever
 * it comes back, its subscribers are told (`onInterruption`): notifications sent meanwhile are lost.
 */
export class DatabaseNotifications {
  private client: pg.Client | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly interruptionHandlers = new Set<() => void>();
  private connected = false;
  private closed = false;
  /** Counts connections: a round trip proves nothing across a reconnect. */
  private generation = 0;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<boolean> | undefined;
  private queued: Promise<boolean> | undefined;

  constructor(private readonly options: NotificationsOptions) {
    this.backoffMs = options.initialBackoffMs ?? 100;
    for (const channel of options.channels) this.handlers.set(channel, new Set());
  }

  /** Resolves once listening; if the first connection fails, keeps retrying in the background. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** True while notifications are known to arrive. */
  get live(): boolean {
    return this.connected;
  }

  on(channel: string, handler: Handler): () => void {
    const handlers = this.handlers.get(channel);
    if (!handlers) throw new Error(`not listening on ${channel}`);
    handlers.add(handler);
    return () => handlers.delete(handler);
  }

  /** Called when the connection is lost and when it is back: whatever was derived from notifications is stale. */
  onInterruption(handler: () => void): () => void {
    this.interruptionHandlers.add(handler);
    return () => this.interruptionHandlers.delete(handler);
  }

  /**
   * Resolves true once every notification committed before this call has been delivered, false
   * when that cannot be known (the connection is down, or was replaced meanwhile). Callers waiting
   * at the same moment share one round trip; a caller that arrives while one is in flight waits
   * for the next, since the one in flight may have started before its own moment.
   */
  synchronize(): Promise<boolean> {
    if (!this.connected) return Promise.resolve(false);
    if (!this.inFlight) return this.roundTrip();
    return (this.queued ??= this.inFlight.then(() => {
      this.queued = undefined;
      return this.inFlight ?? this.roundTrip();
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    await client?.end().catch(() => undefined);
  }

  private roundTrip(): Promise<boolean> {
    const client = this.client;
    const generation = this.generation;
    const trip = (async () => {
      try {
        // Notifications already queued for this session are sent before the answer to this query.
        await client!.query('select 1');
        return this.connected && generation === this.generation;
      } catch {
        return false;
      } finally {
        this.inFlight = undefined;
      }
    })();
    this.inFlight = trip;
    return trip;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.options.url, application_name: 'bestays-api-listener' });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      const handlers = this.handlers.get(message.channel);
      if (handlers) for (const handler of handlers) handler(message.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of this.options.channels) await client.query(`listen ${client.escapeIdentifier(channel)}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.options.logger.warn({ err: error, retryInMs: this.backoffMs }, 'the notification listener could not connect; retrying');
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.generation += 1;
    this.connected = true;
    this.backoffMs = this.options.initialBackoffMs ?? 100;
    if (this.generation > 1) this.options.logger.info('the notification listener is back');
    this.interrupted();
  }

  private lost(client: pg.Client): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.connected = false;
    if (this.closed) return;
    this.options.logger.warn({ retryInMs: this.backoffMs }, 'the notification listener lost its connection; reconnecting');
    this.interrupted();
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), this.backoffMs);
    this.reconnectTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 5_000);
  }

  private interrupted(): void {
    for (const handler of this.interruptionHandlers) handler();
  }
}
