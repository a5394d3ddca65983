import type { Pool, PoolClient } from 'pg';

type QueryArgument = string | { text: string };

/**
 * Reports every statement sent on the pool's connections, whoever sends it: the ORM's queries and
 * flushes (BEGIN, INSERT, COMMIT included) and the readers' prepared statements alike. Counting at
 * the pool is what "statements per request" means: the ORM's own query hook misses a flush's.
 */
export function observeStatements(pool: Pool, observe: (sql: string) => void): void {
  pool.on('connect', (client: PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    // Overloads of pg's query() cannot be re-declared one by one; the wrapper passes every form through.
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0] as QueryArgument | undefined;
      if (first !== undefined) observe(typeof first === 'string' ? first : first.text);
      return query(...args);
    };
  });
}
