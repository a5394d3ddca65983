import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer } from '../src/server.js';
import {
  ANONYMOUS_LISTING_QUERY,
  AUDIT_FILTER_QUERY,
  DETAIL_QUERY,
  LISTING_QUERY,
  WRITE_MUTATION,
  freshTitle,
  graphqlBody,
} from './workloads.js';

/**
 * Issue 12's bound on one request's statements. `counted` has none: the issue asks only that the
 * count be reported; zero would mean the pool's observer missed the flush, so it fails.
 */
export type StatementTarget = { comparison: '≤' | '='; count: number } | { comparison: 'counted' };

export interface StatementCount {
  label: string;
  statements: number;
  target?: StatementTarget;
  /** The statements, shortened, for the report. */
  sql: string[];
}

export interface StatementProbe {
  label: string;
  /** A fresh body per send: W4 needs a new title each time, or the second update would change nothing. */
  body: () => string;
  /** Sent without an Authorization header, as the workload is. */
  anonymous?: boolean;
  /** Absent for W1 at first 10 and 100: the constancy check holds them to first 50's count. */
  target?: StatementTarget;
}

export function describeStatementTarget(target: StatementTarget): string {
  return target.comparison === 'counted' ? 'counted (no bound set)' : `${target.comparison} ${target.count}`;
}

export function statementTargetMet(statements: number, target: StatementTarget): boolean {
  switch (target.comparison) {
    case 'counted':
      return statements > 0;
    case '=':
      return statements === target.count;
    case '≤':
      return statements <= target.count;
  }
}

export function statementProbes(inputs: { propertyId: string; from: string; to: string; page200After?: string }): StatementProbe[] {
  const probes: StatementProbe[] = [10, 50, 100].map((first) => ({
    label: `W1 first: ${first}`,
    body: () => graphqlBody(LISTING_QUERY, { first }),
    // first: 50 is what the W1 workload sends.
    target: first === 50 ? { comparison: '≤', count: 2 } : undefined,
  }));
  probes.push(
    {
      label: 'W1a anonymous',
      body: () => graphqlBody(ANONYMOUS_LISTING_QUERY, { first: 50 }),
      anonymous: true,
      target: { comparison: '=', count: 1 },
    },
    {
      label: 'W2 detail + auditTrail',
      body: () => graphqlBody(DETAIL_QUERY, { id: inputs.propertyId }),
      target: { comparison: '≤', count: 2 },
    },
    {
      label: 'W3 page 1',
      body: () => graphqlBody(AUDIT_FILTER_QUERY, { from: inputs.from, to: inputs.to }),
      target: { comparison: '≤', count: 2 },
    },
  );
  if (inputs.page200After) {
    const after = inputs.page200After;
    probes.push({
      label: 'W3 page 200',
      body: () => graphqlBody(AUDIT_FILTER_QUERY, { from: inputs.from, to: inputs.to, after }),
      target: { comparison: '≤', count: 2 },
    });
  }
  probes.push({
    label: 'W4 updateProperty',
    body: () => graphqlBody(WRITE_MUTATION, { id: inputs.propertyId, title: freshTitle() }),
    target: { comparison: 'counted' },
  });
  return probes;
}

/**
 * Counts the SQL statements behind one request of each probe, on an in-process server built with
 * startServer and its `observeQuery` option, which sees every statement sent on the pool: the
 * readers', the ORM's, and a flush's BEGIN, UPDATE, INSERT and COMMIT (pg_stat_statements needs a
 * preload and a restart of PostgreSQL, which a bench should not ask for). Each probe runs once to
 * warm up and is counted on its second run: the count is a warm request's, so one-off work (the
 * viewer lookup, cached after the first request; metadata) does not count. The listening
 * connection's round trips are not on the pool and are not counted: concurrent requests share them.
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
          headers: { 'content-type': 'application/json', ...(probe.anonymous ? {} : { authorization: `Bearer ${token}` }) },
          body: probe.body(),
        });
        const text = await response.text();
        if (!response.ok || text.includes('"errors"')) throw new Error(`${probe.label} failed (${response.status}): ${text.slice(0, 500)}`);
      };
      await send();
      recording = [];
      await send();
      const sql = recording;
      recording = undefined;
      counts.push({ label: probe.label, statements: sql.length, target: probe.target, sql: sql.map((text) => text.replace(/\s+/g, ' ').slice(0, 160)) });
    }
    return counts;
  } finally {
    await server.close();
  }
}
