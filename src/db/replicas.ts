import pg from 'pg';
import type { QueryResultRow } from 'pg';
import type { Logger } from '../logger.js';
import { ProbeConnection } from './probe-connection.js';
import { parseLsn, ReplicaLag } from './replica-lag.js';
import { SqlReader, type SqlReadOptions, type SqlRows } from './sql-reader.js';
import { observeStatements } from './statement-observer.js';

export type ReplicaState = 'starting' | 'serving' | 'lagging' | 'down';

export interface ReplicaStatus {
  /** host:port/database: never the password. */
  name: string;
  state: ReplicaState;
  /** How far behind the primary, as last measured; null while unknown. */
  lagMs: number | null;
  /** Why it is not serving. */
  reason?: string;
}

export interface ReplicaSetOptions {
  /** Where the replicas' lag is measured from. */
  primaryUrl: string;
  urls: readonly string[];
  maxLagMs: number;
  poolMax: number;
  /**
   * The primary pool's type parsers: rows read on a replica must come out exactly as the primary's
   * do (timestamps as PostgreSQL prints them, for one), or a cursor from one would not match the other.
   */
  types: pg.PoolConfig['types'];
  statementTimeoutMs?: number;
  observeQuery?: (sql: string) => void;
  logger: Logger;
}

/** A replica that lags less than this is checked this often; a tighter lag bound checks more often. */
const LONGEST_CHECK_INTERVAL_MS = 1_000;
const SHORTEST_CHECK_INTERVAL_MS = 50;
/** A down replica should cost a request milliseconds, not the primary's connection timeout. */
const REPLICA_CONNECT_TIMEOUT_MS = 2_000;

/** SQLSTATEs that say "this server cannot answer now", not "this statement is wrong". */
const RECOVERY_CONFLICT = '40001';
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', RECOVERY_CONFLICT]);

/**
 * Whether a failed read should be retried on the primary: the replica could not answer (it is
 * down, restarting, refused the connection, or cancelled the read for a conflict with recovery).
 * A statement the primary would reject the same way (bad input, a statement timeout) is not retried.
 */
export function replicaCouldNotAnswer(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return code.startsWith('08') || UNAVAILABLE_STATES.has(code);
}

export function replicaName(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

class Replica {
  readonly name: string;
  readonly pool: pg.Pool;
  readonly sql: SqlReader;
  readonly probe: ProbeConnection;
  readonly lag = new ReplicaLag();
  state: ReplicaState = 'starting';
  lagMs: number | null = null;
  reason: string | undefined;

  constructor(url: string, options: ReplicaSetOptions, probeTimeoutMs: number) {
    this.name = replicaName(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.poolMax,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: REPLICA_CONNECT_TIMEOUT_MS,
      application_name: 'bestays-api-replica-reads',
      types: options.types,
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    });
    // An idle connection ended by the replica (a restart, a failover) must not crash the process.
    this.pool.on('error', () => undefined);
    if (options.observeQuery) observeStatements(this.pool, options.observeQuery);
    this.sql = new SqlReader(this.pool);
    this.probe = new ProbeConnection(url, probeTimeoutMs);
  }
}

/**
 * The streaming replicas that may serve queries, each checked on a timer: it serves while it
 * answers and replays within `maxLagMs` of the primary; otherwise reads go to the primary until a
 * check finds it back. A read that fails because a replica could not answer is retried on the
 * primary at once, and that replica is left out until the next check passes.
 */
export class ReplicaSet {
  private readonly replicas: Replica[];
  private readonly primaryProbe: ProbeConnection;
  private readonly checkIntervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private closed = false;
  private next = 0;
  private readonly counts = { replica: 0, primary: 0, fallbacks: 0 };

  constructor(private readonly options: ReplicaSetOptions) {
    this.checkIntervalMs = Math.min(LONGEST_CHECK_INTERVAL_MS, Math.max(SHORTEST_CHECK_INTERVAL_MS, Math.floor(options.maxLagMs / 2)));
    const probeTimeoutMs = Math.max(this.checkIntervalMs, REPLICA_CONNECT_TIMEOUT_MS);
    this.primaryProbe = new ProbeConnection(options.primaryUrl, probeTimeoutMs);
    this.replicas = options.urls.map((url) => new Replica(url, options, probeTimeoutMs));
  }

  /** Reads routed to a serving replica (round robin), else to `primary`. */
  readerFallingBackTo(primary: SqlRows): SqlRows {
    return { rows: (text, values, readOptions) => this.rows(primary, text, values, readOptions) };
  }

  /** Checks every replica once, then keeps checking in the background. */
  async start(): Promise<void> {
    await this.check();
    this.schedule();
  }

  status(): ReplicaStatus[] {
    return this.replicas.map((replica) => ({
      name: replica.name,
      state: replica.state,
      lagMs: replica.lagMs,
      ...(replica.reason ? { reason: replica.reason } : {}),
    }));
  }

  /** Reads served so far, by where they ran; `fallbacks` counts reads a replica failed and the primary served. */
  readCounts(): Readonly<{ replica: number; primary: number; fallbacks: number }> {
    return this.counts;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.checking;
    await Promise.all([
      this.primaryProbe.close(),
      ...this.replicas.map(async (replica) => {
        await replica.probe.close();
        await replica.pool.end().catch(() => undefined);
      }),
    ]);
  }

  private async rows<Row extends QueryResultRow>(primary: SqlRows, text: string, values: readonly unknown[], readOptions?: SqlReadOptions): Promise<Row[]> {
    const replica = this.pick();
    if (replica) {
      try {
        const rows = await replica.sql.rows<Row>(text, values, readOptions);
        this.counts.replica++;
        return rows;
      } catch (error) {
        if (!replicaCouldNotAnswer(error)) throw error;
        this.counts.fallbacks++;
        // A read cancelled for a conflict with recovery says nothing about the replica's health.
        if ((error as { code?: unknown }).code !== RECOVERY_CONFLICT) {
          this.setState(replica, 'down', error instanceof Error ? error.message : String(error));
        }
      }
    }
    this.counts.primary++;
    return await primary.rows<Row>(text, values, readOptions);
  }

  private pick(): Replica | undefined {
    const count = this.replicas.length;
    for (let tried = 0; tried < count; tried++) {
      const replica = this.replicas[(this.next + tried) % count]!;
      if (replica.state === 'serving') {
        this.next = (this.next + tried + 1) % count;
        return replica;
      }
    }
    return undefined;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.checking = this.check().finally(() => {
        this.checking = undefined;
        this.schedule();
      });
    }, this.checkIntervalMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    // The primary first: a replica that has replayed this position is at most the time since behind.
    const primaryLsn = await this.primaryProbe
      .query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')
      .then((rows) => parseLsn(rows[0]!.lsn))
      .catch(() => undefined);
    const sampledAt = Date.now();
    await Promise.all(
      this.replicas.map(async (replica) => {
        if (primaryLsn !== undefined) replica.lag.primaryAt(primaryLsn, sampledAt);
        try {
          const [row] = await replica.probe.query<{ replayed: string | null }>('select pg_last_wal_replay_lsn()::text as replayed');
          if (!row?.replayed) {
            this.setState(replica, 'down', 'not a streaming replica (it is not in recovery)');
            return;
          }
          replica.lagMs = replica.lag.replayedUpTo(parseLsn(row.replayed), Date.now());
          if (replica.lagMs > this.options.maxLagMs) this.setState(replica, 'lagging', `${replica.lagMs} ms behind the primary`);
          else this.setState(replica, 'serving');
        } catch (error) {
          this.setState(replica, 'down', error instanceof Error ? error.message : String(error));
        }
      }),
    );
  }

  private setState(replica: Replica, state: ReplicaState, reason?: string): void {
    const previous = replica.state;
    replica.state = state;
    // A replica that cannot be asked has no known lag.
    if (state === 'down') replica.lagMs = null;
    replica.reason = reason;
    if (previous === state || this.closed) return;
    const { logger } = this.options;
    if (state === 'serving') logger.info({ replica: replica.name, lagMs: replica.lagMs }, 'replica serves reads');
    else logger.warn({ replica: replica.name, state, reason }, 'replica skipped: reads go to the primary until it recovers');
  }
}
