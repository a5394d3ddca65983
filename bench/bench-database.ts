import { withClient } from '../src/db/pg-client.js';

export { withClient };

export const DEFAULT_BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/bestays_bench';

/** The clerk id of the seeded admin the workloads sign in as. */
export const BENCH_ADMIN_CLERK_ID = 'bench_admin';
export const BENCH_ADMIN_EMAIL = 'bench_admin@bench.bestays.app';

/** Only for the bench: the server under test reads the same value from AUTH_JWT_SECRET. */
export const BENCH_JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256';

export function benchDatabaseUrl(): string {
  const url = process.env.DATABASE_URL?.trim();
  return url ? url : DEFAULT_BENCH_DATABASE_URL;
}

export function databaseNameOf(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL names no database: ${url}`);
  return name;
}

/** The same server's `postgres` database, from which a database is created or dropped. */
export function maintenanceUrlOf(url: string): string {
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  return maintenance.toString();
}


/** A bench needs only loopback: refusing anything else keeps a typo from loading a shared server. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error(`the bench only runs against a local PostgreSQL (127.0.0.1), not ${host}`);
  }
}
