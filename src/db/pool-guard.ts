import type { Pool, PoolClient } from 'pg';

/**
 * Returns a checked-out connection to the pool when PostgreSQL drops it mid-transaction.
 *
 * Kysely's controlled transaction releases its connection only after COMMIT or ROLLBACK succeeds;
 * when the server kills the session, both fail and the connection stays checked out for good.
 * A few such kills exhaust the pool and every later request waits for a connection forever.
 * Here a connection that ends while checked out is released (and so discarded), and release is
 * made idempotent so that a later release by its holder is harmless.
 *
 * Whether a connection is checked out is learnt from the pool's own `acquire` and `release`
 * events, whichever path releases it: a query on a dead connection can fail, and be released by
 * `pool.query`, before the idempotent release is even in place.
 */
export function releaseDroppedConnections(pool: Pool): void {
  const checkedOut = new Set<PoolClient>();
  const onEndOf = new WeakMap<PoolClient, () => void>();

  pool.on('acquire', (client: PoolClient) => {
    checkedOut.add(client);
    const onEnd = (): void => {
      if (checkedOut.has(client)) client.release(new Error('the database connection ended while checked out'));
    };
    onEndOf.set(client, onEnd);
    client.once('end', onEnd);
    // pg-pool assigns client.release right after emitting 'acquire'; wrap it once that is done.
    queueMicrotask(() => {
      if (!checkedOut.has(client)) return;
      const release = client.release;
      client.release = (error?: Error | boolean): void => {
        if (checkedOut.has(client)) release(error);
      };
    });
  });

  pool.on('release', (_error: Error | undefined, client: PoolClient) => {
    checkedOut.delete(client);
    const onEnd = onEndOf.get(client);
    if (onEnd) client.removeListener('end', onEnd);
  });
}
