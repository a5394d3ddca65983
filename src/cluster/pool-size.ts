import { withClient } from '../db/pg-client.js';

/**
 * Connections kept free beyond PostgreSQL's own reservations: `npm run users:set-role`, a
 * migration, `audit:verify` or an operator's psql beside the running servers.
 */
export const CONNECTION_HEADROOM = 5;

/** Connections a server process holds outside its pool: the listening connection (db/notifications.ts). */
export const CONNECTIONS_OUTSIDE_POOL = 1;

/** Below this a pool cannot serve a request and its readiness probe at once. */
export const MIN_POOL_SIZE = 2;

export interface PoolSizeInput {
  /** The server's `max_connections`. */
  maxConnections: number;
  /** Slots ordinary roles cannot take: `superuser_reserved_connections` + `reserved_connections`. */
  reserved: number;
  /** Processes that each open one pool on this server. */
  workers: number;
  /** The pool size asked for (DB_POOL_SIZE). */
  wanted: number;
  /** Kept free for tools beside the servers; default CONNECTION_HEADROOM. */
  headroom?: number;
  /** Connections each process holds besides its pool; default CONNECTIONS_OUTSIDE_POOL. */
  outsidePool?: number;
}

export interface PoolSize {
  /** The pool size each process gets. */
  size: number;
  /** Connections the processes may hold together: max_connections − reserved − headroom. */
  budget: number;
  /** Whether `workers × (size + outsidePool)` fits the budget (false only when even MIN_POOL_SIZE does not). */
  fits: boolean;
}

/**
 * size = max(MIN_POOL_SIZE, min(wanted, floor((max_connections − reserved − headroom) / workers) − outsidePool))
 *
 * Every process gets the same share, so that N pools and their listening connections fit the
 * server whatever the load; a share larger than asked for is not taken.
 */
export function poolSizePerWorker(input: PoolSizeInput): PoolSize {
  const headroom = input.headroom ?? CONNECTION_HEADROOM;
  const outsidePool = input.outsidePool ?? CONNECTIONS_OUTSIDE_POOL;
  if (!Number.isInteger(input.workers) || input.workers < 1) throw new RangeError(`workers must be a positive integer, got ${input.workers}`);
  const budget = Math.max(0, input.maxConnections - input.reserved - headroom);
  const share = Math.floor(budget / input.workers) - outsidePool;
  const size = Math.max(MIN_POOL_SIZE, Math.min(input.wanted, share));
  return { size, budget, fits: input.workers * (size + outsidePool) <= budget };
}

export interface ConnectionLimits {
  maxConnections: number;
  /** superuser_reserved_connections, plus reserved_connections where the server has it (PostgreSQL 16+). */
  reserved: number;
}

/** The server's connection limits, read once by the cluster primary. */
export async function readConnectionLimits(databaseUrl: string): Promise<ConnectionLimits> {
  return await withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ name: string; setting: string }>(
      `select name, setting from pg_settings
        where name in ('max_connections', 'superuser_reserved_connections', 'reserved_connections')`,
    );
    const setting = (name: string): number => Number(rows.find((row) => row.name === name)?.setting ?? 0);
    return {
      maxConnections: setting('max_connections'),
      reserved: setting('superuser_reserved_connections') + setting('reserved_connections'),
    };
  });
}
