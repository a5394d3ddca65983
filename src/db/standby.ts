import { execFile } from 'node:child_process';
import { chmod, chown, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { withClient } from './pg-client.js';

const execFileAsync = promisify(execFile);

/** What a standby copy must not take from its primary's folder. */
const LEFT_BEHIND_FILES = ['postmaster.pid', 'postmaster.opts'];
const EMPTIED_FOLDERS = ['pg_wal', 'pg_replslot'];

/** Where a primary's standby is made: beside its data folder, so that whoever may enter the one may enter the other. */
export function standbyFolderOf(primaryDataDirectory: string): string {
  return `${primaryDataDirectory}-replica`;
}

async function dataDirectoryIn(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ data_directory: string }>('show data_directory');
  return rows[0]!.data_directory;
}

/** The data folder of the server at `maintenanceUrl` (a superuser's), where it really is (an embedded cluster may live elsewhere than asked). */
export async function dataDirectoryOf(maintenanceUrl: string): Promise<string> {
  return await withClient(maintenanceUrl, dataDirectoryIn);
}

/**
 * Makes a hot standby of a running PostgreSQL on this machine, as `pg_basebackup -R` would, with
 * PostgreSQL's low-level backup functions: a replication slot keeps the WAL the standby will need,
 * the data folder is copied between `pg_backup_start` and `pg_backup_stop` (without WAL, pid file
 * and slots), the backup label goes into the copy, and `standby.signal` with the primary's address
 * makes it stream. The binaries npm installs for the embedded database ship no pg_basebackup, and
 * an older client's (Debian's postgresql-client-15) refuses a newer server: this needs neither.
 *
 * `maintenanceUrl` must be a superuser's on the same machine; returns the standby's data folder
 * (standbyFolderOf the primary's), owned like the primary's.
 */
export async function createStandby(maintenanceUrl: string, options: { slot: string; primaryPort: number }): Promise<string> {
  return await withClient(maintenanceUrl, async (client) => {
    await client.query('select pg_create_physical_replication_slot($1, true)', [options.slot]);
    const source = await dataDirectoryIn(client);
    const target = standbyFolderOf(source);
    await client.query(`select pg_backup_start($1, true)`, [`standby ${options.slot}`]);
    // cp -a keeps owners and modes: as root, the copy stays the postgres user's.
    await execFileAsync('cp', ['-a', source, target]);
    const stopped = await client.query<{ labelfile: string }>('select labelfile from pg_backup_stop(false)');
    for (const file of LEFT_BEHIND_FILES) await rm(join(target, file), { force: true });
    for (const folder of EMPTIED_FOLDERS) {
      for (const entry of await readdir(join(target, folder), { withFileTypes: true })) {
        if (entry.name !== 'archive_status') await rm(join(target, folder, entry.name), { recursive: true, force: true });
      }
    }
    const owner = await stat(source);
    const written = [join(target, 'backup_label'), join(target, 'standby.signal')];
    await writeFile(written[0]!, stopped.rows[0]!.labelfile);
    await writeFile(written[1]!, '');
    await pointStandbyAt(target, options);
    for (const file of written) {
      await chown(file, owner.uid, owner.gid);
      await chmod(file, 0o600);
    }
    return target;
  });
}

/** Where a standby streams from: its primary's port may change between starts (an embedded primary picks a free one). */
export async function pointStandbyAt(standbyDir: string, options: { slot: string; primaryPort: number }): Promise<void> {
  const file = join(standbyDir, 'postgresql.auto.conf');
  const kept = (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => line !== '' && !/^primary_(conninfo|slot_name)\s*=/.test(line));
  kept.push(
    `primary_conninfo = 'host=127.0.0.1 port=${options.primaryPort} user=postgres application_name=${options.slot}'`,
    `primary_slot_name = '${options.slot}'`,
  );
  await writeFile(file, `${kept.join('\n')}\n`);
}
