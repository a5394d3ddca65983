import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../src/shared/free-port.js';

export { freePort };

export const PROJECT_ROOT = join(import.meta.dirname, '..');
/** The project's own Node 24 (the `node` devDependency), as production runs the built server. */
export const PROJECT_NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');

export interface BenchProcess {
  name: string;
  url: string;
  pid: number;
  /** The last lines it wrote, for error messages. */
  output(): string;
  /** Resident set size now, and its peak, in MB (from /proc/<pid>/status), summed over its cluster workers. */
  memory(): Promise<{ rssMb: number; peakMb: number }>;
  /** CPU time used so far (user + system), in ms, from /proc/<pid>/stat, its cluster workers' included. */
  cpuMs(): Promise<number>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves with its exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * The Node flags of the production command (`start:prod` in package.json, e.g. a bound on V8's young
 * generation), so that the bench runs the server exactly as production does and follows it when it changes.
 */
export async function productionNodeFlags(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const command = manifest.scripts?.['start:prod'] ?? '';
  const match = /\bnode\s+(.*?)\s*dist\/src\/main\.js/.exec(command);
  return match?.[1]?.split(/\s+/).filter((flag) => flag.startsWith('--')) ?? [];
}


async function memoryOf(pid: number): Promise<{ rssMb: number; peakMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** Linux reports process times in clock ticks; USER_HZ is 100 on every mainstream kernel build. */
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime; with `reaped`, also cutime + cstime: the cluster workers that exited and were reaped. */
async function cpuMsOf(pid: number, reaped: boolean): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** The live children of `pid` (a cluster primary's workers), from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const entries = await readdir('/proc');
  const children: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent === pid) children.push(Number(entry));
  }
  return children;
}

/** The process and its children that run the same executable (WEB_CONCURRENCY workers): memory and CPU are the group's. */
async function groupOf(pid: number): Promise<number[]> {
  const executable = await readlink(`/proc/${pid}/exe`);
  const children = await childrenOf(pid);
  // An embedded PostgreSQL started by the server is its child too, but not part of its figures.
  const workers = await Promise.all(
    children.map(async (child) => ((await readlink(`/proc/${child}/exe`).catch(() => '')) === executable ? child : undefined)),
  );
  return [pid, ...workers.filter((child): child is number => child !== undefined)];
}

async function groupMemoryOf(pid: number): Promise<{ rssMb: number; peakMb: number }> {
  const [, ...workers] = await groupOf(pid);
  const none = { rssMb: 0, peakMb: 0 };
  const readings = await Promise.all([memoryOf(pid), ...workers.map((worker) => memoryOf(worker).catch(() => none))]);
  return {
    rssMb: readings.reduce((sum, reading) => sum + reading.rssMb, 0),
    peakMb: readings.reduce((sum, reading) => sum + reading.peakMb, 0),
  };
}

async function groupCpuMsOf(pid: number): Promise<number> {
  const [, ...workers] = await groupOf(pid);
  // A worker that exits between the listing and the reading is in its primary's reaped time by then.
  const times = await Promise.all([cpuMsOf(pid, true), ...workers.map((worker) => cpuMsOf(worker, false).catch(() => 0))]);
  return times.reduce((sum, ms) => sum + ms, 0);
}

interface SpawnOptions {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** Resolves with the base URL once the process serves. */
  /** Must give up by `deadline` (epoch ms), so that no poll outlives a failed start. */
  ready: (child: ChildProcess, output: () => string, deadline: number) => Promise<string>;
  readyTimeoutMs?: number;
}

async function spawnProcess(options: SpawnOptions): Promise<BenchProcess> {
  const child = spawn(PROJECT_NODE, options.args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const output = (): string => lines.slice(-40).join('\n');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  let url: string;
  try {
    url = await Promise.race([
      options.ready(child, output, Date.now() + timeoutMs),
      exited.then((code) => Promise.reject(new Error(`${options.name} exited (${code}) before it was ready:\n${output()}`))),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${options.name} did not start: ${error instanceof Error ? error.message : String(error)}\n${output()}`);
  }
  const pid = child.pid!;
  // /proc/<pid> is gone once the process has exited: say so, with what it printed last.
  const alive = async <T>(reading: Promise<T>): Promise<T> =>
    await reading.catch((error: unknown) => {
      throw new Error(`${options.name} (pid ${pid}) is gone (exit code ${child.exitCode}, signal ${child.signalCode}): ${String(error)}\n${output()}`);
    });
  return {
    name: options.name,
    url,
    pid,
    output,
    memory: () => alive(groupMemoryOf(pid)),
    cpuMs: () => alive(groupCpuMsOf(pid)),
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

async function pollUntilOk(url: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer 200 in time`);
}

export interface ServerProcessOptions {
  databaseUrl: string;
  jwtSecret: string;
  /** Extra Node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Another build's main.js (a patched copy of dist/, to measure a change before making it); default dist/src/main.js. */
  entry?: string;
  /** Streaming replicas for the server's queries (DATABASE_REPLICA_URLS). */
  replicaUrls?: readonly string[];
  /** WEB_CONCURRENCY: server processes on the one port; default 1. */
  workers?: number;
}

export interface ServerProcess extends BenchProcess {
  /** Production keeps `/metrics` off the API's port: the bench gives it its own. */
  metricsUrl: string;
}

/** The built server, `node dist/src/main.js`, as production runs it. */
export async function startBuiltServer(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const metricsPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await spawnProcess({
    name: 'server',
    args: [...(await productionNodeFlags()), ...(options.nodeFlags ?? []), options.entry ?? 'dist/src/main.js'],
    env: {
      DATABASE_URL: options.databaseUrl,
      AUTH_JWT_SECRET: options.jwtSecret,
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPort),
      NODE_ENV: 'production',
      ...(options.replicaUrls?.length ? { DATABASE_REPLICA_URLS: options.replicaUrls.join(',') } : {}),
      WEB_CONCURRENCY: String(options.workers ?? 1),
    },
    ready: async (_child, _output, deadline) => {
      await pollUntilOk(`${url}/readyz`, deadline);
      return url;
    },
  });
  return { ...server, metricsUrl: `http://127.0.0.1:${metricsPort}` };
}

export async function startBaselineServer(databaseUrl: string): Promise<BenchProcess> {
  return await spawnProcess({
    name: 'baseline',
    args: ['--import', 'tsx', 'bench/baseline-server.ts'],
    env: { DATABASE_URL: databaseUrl, PORT: '0' },
    ready: async (_child, output, deadline) => {
      while (Date.now() < deadline) {
        const match = /listening (http:\/\/\S+)/.exec(output());
        if (match) return match[1]!;
        await sleep(50);
      }
      throw new Error('the baseline printed no "listening" line in time');
    },
  });
}
