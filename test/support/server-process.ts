import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../src/shared/free-port.js';
import { TEST_JWT_SECRET } from './tokens.js';

export interface ServerProcess {
  url: string;
  /** POSTs a GraphQL document to this process. */
  gql<Data = Record<string, unknown>>(
    query: string,
    options?: { token?: string; variables?: Record<string, unknown> },
  ): Promise<{ data?: Data | null; errors?: { message: string; extensions?: { code?: string } }[] }>;
  stop(): Promise<void>;
}

/** Another server process (as `npm start` runs it) on an existing database: what a second machine or worker would be. */
export async function startServerProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), AUTH_JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server process exited early:\n${output}`);
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`the server process was not ready in time:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async gql(query, options = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
        body: JSON.stringify({ query, variables: options.variables }),
      });
      return (await response.json()) as never;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
