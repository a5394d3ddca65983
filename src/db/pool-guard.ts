import type { Pool, PoolClient } from 'pg';

/**
 * Returns a checked-out connection to the pool when PostgreSQL drops it mid-transaction.
 *
 * Kysely's controlled transaction releases its connection only after COMMIT or ROLLBACK succeeds;
 * when the server kills the session, both fail and the connection stays checked out for good.
 * A few such kills exhaust the pool and every later request waits for a connection forever.
 * Here a connection that ends while checked out is released (and so discarded), and release is
 * made idempotent so that a later release by its holder is harmless.
 */
export function releaseDroppedConnections(pool: Pool): void {
  pool.on('acquire', (client: PoolClient) => {
    // pg-pool assigns client.release right after emitting 'acquire'; wrap it once that is done.
    queueMicrotask(() => {
      const release = client.release;
      let released = false;
      const releaseOnce = (error?: Error | boolean): void => {
        if (released) return;
        released = true;
        client.removeListener('end', onEnd);
        release(error);
      };
      const onEnd = (): void => releaseOnce(new Error('the database connection ended while checked out'));
      client.release = releaseOnce;
      client.once('end', onEnd);
    });
  });
}
