import { execFile } from 'node:child_process';
import { chown, chmod, mkdtemp, readdir, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { ensureDatabase } from '../../src/db/database.js';
import { createOrm, migrateUp } from '../../src/db/orm.js';
import { freePort } from '../../src/shared/free-port.js';
import { withClient } from './databases.js';

const execFileAsync = promisify(execFile);
const DATABASE = 'bestays';
const SLOT = 'bestays_test_replica';

/** A primary with every migration applied and a hot standby streaming from it, both on this machine. */
export interface ReplicatedDatabase {
  primaryUrl: string;
  replicaUrl: string;
  /** Statements the replica has executed (extended protocol: the server's reads) whose text matches. */
  replicaExecuted(pattern: RegExp): number;
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  close(): Promise<void>;
}

/**
 * PostgreSQL's low-level base backup, as `pg_basebackup -R` takes it: start a backup on the primary,
 * copy its data folder (without WAL, pid file and slots), stop the backup and keep its label, then
 * make the copy a standby of the primary. The binaries that npm installs for the embedded database
 * ship no pg_basebackup, and Debian's (postgresql-client-15) refuses a newer server, so the copy is
 * made here with the same protocol: nothing beyond Node.js and npm is needed.
 */
async function baseBackup(primary: EmbeddedPostgres): Promise<string> {
  return await withClient(primary.url(), async (client) => {
    await client.query('select pg_create_physical_replication_slot($1, true)', [SLOT]);
    const { rows } = await client.query<{ data_directory: string }>('show data_directory');
    const source = rows[0]!.data_directory;
    const target = `${source}-replica`;
    await client.query(`select pg_backup_start('bestays test replica', true)`);
    // cp -a keeps owner and modes: as root, the copy stays the postgres user's.
    await execFileAsync('cp', ['-a', source, target]);
    const stopped = await client.query<{ labelfile: string; spcmapfile: string | null }>('select labelfile, spcmapfile from pg_backup_stop(false)');
    await rm(join(target, 'postmaster.pid'), { force: true });
    await rm(join(target, 'postmaster.opts'), { force: true });
    for (const folder of ['pg_wal', 'pg_replslot']) {
      for (const entry of await readdir(join(target, folder), { withFileTypes: true })) {
        if (entry.isFile() || entry.name !== 'archive_status') await rm(join(target, folder, entry.name), { recursive: true, force: true });
      }
    }
    const owner = await stat(source);
    const written = [join(target, 'backup_label'), join(target, 'standby.signal')];
    await writeFile(written[0]!, stopped.rows[0]!.labelfile);
    await writeFile(written[1]!, '');
    await appendFile(
      join(target, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=postgres application_name=${SLOT}'\nprimary_slot_name = '${SLOT}'\n`,
    );
    for (const file of written) {
      await chown(file, owner.uid, owner.gid);
      await chmod(file, 0o600);
    }
    return target;
  });
}

export async function startReplicatedDatabase(): Promise<ReplicatedDatabase> {
  const primaryDir = await mkdtemp(join(tmpdir(), 'bestays-primary-'));
  const primary = new EmbeddedPostgres({ dataDir: primaryDir, unsafeFast: true });
  await primary.start();
  let replica: EmbeddedPostgres | undefined;
  let replicaDir: string | undefined;
  let primaryRealDir: string | undefined;
  const logEntries: string[] = [];
  try {
    await ensureDatabase(primary.url(), DATABASE);
    const orm = await createOrm({ clientUrl: primary.url(DATABASE) });
    try {
      await migrateUp(orm);
    } finally {
      await orm.close();
    }
    replicaDir = await baseBackup(primary);
    primaryRealDir = replicaDir.slice(0, -'-replica'.length);
    const started = new EmbeddedPostgres({
      dataDir: replicaDir,
      port: await freePort(),
      unsafeFast: true,
      settings: { log_statement: 'all' },
      // A statement's later lines come without the log line prefix: they belong to the entry before.
      onLog: (line) => {
        if (/^\d{4}-\d\d-\d\d /.test(line)) logEntries.push(line);
        else if (logEntries.length > 0) logEntries[logEntries.length - 1] += `\n${line}`;
      },
    });
    replica = started;
    await started.start();
  } catch (error) {
    await replica?.stop();
    await primary.stop();
    throw error;
  }
  const standby = replica;
  const cleanUp = async (): Promise<void> => {
    for (const dir of [replicaDir, primaryRealDir, primaryDir]) if (dir) await rm(dir, { recursive: true, force: true });
  };
  return {
    primaryUrl: primary.url(DATABASE),
    replicaUrl: standby.url(DATABASE),
    replicaExecuted: (pattern) => logEntries.filter((entry) => /LOG:\s+execute /.test(entry) && pattern.test(entry)).length,
    stopReplica: () => standby.stop(),
    startReplica: () => standby.start(),
    pauseReplay: () => withClient(standby.url(), (client) => client.query('select pg_wal_replay_pause()')).then(() => undefined),
    resumeReplay: () => withClient(standby.url(), (client) => client.query('select pg_wal_replay_resume()')).then(() => undefined),
    async close() {
      await standby.stop();
      await primary.stop();
      await cleanUp();
    },
  };
}
