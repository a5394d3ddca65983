import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { freePort } from '../../src/shared/free-port.js';
import { TEST_JWT_SECRET } from '../support/tokens.js';

/** One JSON log line of the server (pino). */
export interface LogLine {
  level: number;
  msg: string;
  pid?: number;
  workerPid?: number;
  [field: string]: unknown;
}

export interface ClusterProcess {
  url: string;
  /** The primary's pid, also its process group's id (spawned detached). */
  pid: number;
  /** Every JSON line written so far, by the primary and its workers. */
  lines(): LogLine[];
  output(): string;
  /** Pids of the workers that logged "worker listening", in order. */
  workerPids(): number[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM to the whole group; resolves once the primary has exited. */
  stop(): Promise<void>;
}

/**
 * `npm start` with WEB_CONCURRENCY (as in test/support/server-process.ts), spawned as the leader of
 * its own process group so that a test can signal the group as a supervisor does.
 */
export async function startCluster(env: Record<string, string | undefined>): Promise<ClusterProcess> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), AUTH_JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'info', ...env };
  for (const [name, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[name];
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: childEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines = (): LogLine[] =>
    output.split('\n').flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (!lines().some((line) => line.msg.startsWith('Bestays API ready at'))) {
    if (child.exitCode !== null) throw new Error(`the cluster exited early with code ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the cluster was not ready in time:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pid: child.pid!,
    lines,
    output: () => output,
    workerPids: () => lines().filter((line) => line.msg === 'worker listening').map((line) => line.pid!),
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // The group is gone already.
      }
      await exited;
    },
  };
}

export interface Answer<Data> {
  status: number;
  body: { data?: Data | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

/**
 * A GraphQL POST on a connection of its own (no keep-alive): the cluster hands each new
 * connection to the next worker, so successive calls reach every worker.
 */
export function post<Data = Record<string, unknown>>(
  url: string,
  query: string,
  options: { token?: string; variables?: Record<string, unknown>; requestId?: string } = {},
): Promise<Answer<Data>> {
  const body = JSON.stringify({ query, variables: options.variables });
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/graphql`,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          connection: 'close',
          ...(options.requestId ? { 'x-request-id': options.requestId } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer<Data>['body'] });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    req.on('error', reject);
    // A lost connection fails the test that sent it instead of stalling until the test's own timeout.
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.end(body);
  });
}

/** The sum of a Prometheus sample's values over the series whose labels include `labels`. */
export async function metricValue(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name} `) && !line.startsWith(`${name}{`)) continue;
    if (!Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
