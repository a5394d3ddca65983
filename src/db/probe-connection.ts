import pg from 'pg';

/**
 * One connection kept for health checks, outside every pool (so that a check is never counted
 * as, nor waits behind, a request's statement). A failed check drops it; the next check connects
 * again. Every check is bounded by `timeoutMs`, so a server that stops answering reads as down.
 */
export class ProbeConnection {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async query<Row extends pg.QueryResultRow>(text: string): Promise<Row[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const client = await Promise.race([this.connected(), timeout]);
      const result = await Promise.race([client.query<Row>(text), timeout]);
      return result.rows;
    } catch (error) {
      this.drop();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.connecting = undefined;
    await client?.end().catch(() => undefined);
  }

  private connected(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    return (this.connecting ??= (async () => {
      const client = new pg.Client({
        connectionString: this.url,
        connectionTimeoutMillis: this.timeoutMs,
        application_name: 'bestays-api-probe',
      });
      // A server that goes away emits 'error' on an idle client; the next check reconnects.
      client.on('error', () => this.drop());
      try {
        await client.connect();
        this.client = client;
        return client;
      } finally {
        this.connecting = undefined;
      }
    })());
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    void client?.end().catch(() => undefined);
  }
}
