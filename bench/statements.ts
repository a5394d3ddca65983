import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer } from '../src/server.js';
import { AUDIT_FILTER_QUERY, DETAIL_QUERY, LISTING_QUERY, graphqlBody } from './workloads.js';

export interface StatementCount {
  label: string;
  statements: number;
  /** The statements, shortened, for the report. */
  sql: string[];
}

export interface StatementProbe {
  label: string;
  body: string;
}

export function statementProbes(inputs: { propertyId: string; from: string; to: string; page200After?: string }): StatementProbe[] {
  const probes: StatementProbe[] = [10, 50, 100].map((first) => ({
    label: `W1 first: ${first}`,
    body: graphqlBody(LISTING_QUERY, { first }),
  }));
  probes.push(
    { label: 'W2 detail + auditTrail', body: graphqlBody(DETAIL_QUERY, { id: inputs.propertyId }) },
    { label: 'W3 page 1', body: graphqlBody(AUDIT_FILTER_QUERY, { from: inputs.from, to: inputs.to }) },
  );
  if (inputs.page200After) {
    probes.push({
      label: 'W3 page 200',
      body: graphqlBody(AUDIT_FILTER_QUERY, { from: inputs.from, to: inputs.to, after: inputs.page200After }),
    });
  }
  // No W4: MikroORM's onQuery does not see the statements of a flush (BEGIN, UPDATE, INSERT, COMMIT), so a count would mislead.
  return probes;
}

/**
 * Counts the SQL statements behind one request of each probe, on an in-process server built with
 * startServer and its `observeQuery` option (pg_stat_statements needs a preload and a restart of
 * PostgreSQL, which a bench should not ask for). Each probe runs once to warm up and is counted on
 * its second run, so one-off work (a first sign-in, metadata) does not count.
 */
export async function countStatements(
  databaseUrl: string,
  jwtSecret: string,
  token: string,
  probes: readonly StatementProbe[],
): Promise<StatementCount[]> {
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    AUTH_JWT_SECRET: jwtSecret,
    LOG_LEVEL: 'silent',
    SHUTDOWN_GRACE_MS: '2000',
  });
  let recording: string[] | undefined;
  const server = await startServer(config, createLogger(config.logLevel), { observeQuery: (sql) => recording?.push(sql) });
  try {
    const counts: StatementCount[] = [];
    for (const probe of probes) {
      const send = async (): Promise<void> => {
        const response = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: probe.body,
        });
        const text = await response.text();
        if (!response.ok || text.includes('"errors"')) throw new Error(`${probe.label} failed (${response.status}): ${text.slice(0, 500)}`);
      };
      await send();
      recording = [];
      await send();
      const sql = recording;
      recording = undefined;
      counts.push({ label: probe.label, statements: sql.length, sql: sql.map((text) => text.replace(/\s+/g, ' ').slice(0, 160)) });
    }
    return counts;
  } finally {
    await server.close();
  }
}
