import { inject } from 'vitest';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createDatabase, dropDatabase, uniqueDatabaseName, withClient } from './databases.js';
import { TEST_JWT_SECRET } from './tokens.js';
import type pg from 'pg';

export interface GraphQLResponse<Data = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface RequestOptions {
  variables?: Record<string, unknown>;
  token?: string;
  headers?: Record<string, string>;
  operationName?: string;
}

export interface TestServer {
  url: string;
  databaseUrl: string;
  server: RunningServer;
  /** POSTs a GraphQL document to /graphql. */
  gql<Data = Record<string, any>>(query: string, options?: RequestOptions): Promise<GraphQLResponse<Data>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary result shapes
  /** Runs SQL on the test database over its own connection. */
  sql<Row extends pg.QueryResultRow = Record<string, any>>(text: string, params?: unknown[]): Promise<Row[]>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rows of ad-hoc queries
  /** The SQL statements the server ran while `work` ran. */
  statementsDuring(work: () => Promise<unknown>): Promise<string[]>;
  /** The server's log lines, when started with `captureLogs`. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  /** Keep the server's log lines (parsed JSON) in `TestServer.logs` instead of discarding them. */
  captureLogs?: boolean;
}

/** The real server on a free port, over its own copy of the migrated database. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const maintenanceUrl = inject('maintenanceUrl');
  const databaseName = uniqueDatabaseName('bestays_test');
  const databaseUrl = await createDatabase(maintenanceUrl, databaseName, inject('templateDatabase'));
  const config: AppConfig = loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: options.captureLogs ? 'info' : (process.env.TEST_LOG_LEVEL ?? 'silent'),
    SHUTDOWN_GRACE_MS: '2000',
    ...options.env,
  });
  let recording: string[] | undefined;
  const logs: Record<string, unknown>[] = [];
  const destination = options.captureLogs
    ? { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) }
    : undefined;
  const server = await startServer(config, createLogger(config.logLevel, destination), {
    observeQuery: (sql) => recording?.push(sql),
  });

  return {
    url: server.url,
    databaseUrl,
    server,
    logs,
    async gql(query, requestOptions = {}) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(requestOptions.token ? { authorization: `Bearer ${requestOptions.token}` } : {}),
          ...requestOptions.headers,
        },
        body: JSON.stringify({
          query,
          variables: requestOptions.variables,
          operationName: requestOptions.operationName,
        }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse, 'status' | 'headers'>;
      return { status: response.status, headers: response.headers, ...body } as GraphQLResponse<never>;
    },
    async sql(text, params) {
      return await withClient(databaseUrl, async (client) => (await client.query(text, params)).rows);
    },
    async statementsDuring(work) {
      recording = [];
      try {
        await work();
        return recording;
      } finally {
        recording = undefined;
      }
    },
    async close() {
      await server.close();
      await dropDatabase(maintenanceUrl, databaseName);
    },
  };
}
