import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { ensureDatabase } from '../../src/db/database.js';
import { createOrm, migrateUp } from '../../src/db/orm.js';
import { freePort } from '../../src/shared/free-port.js';
import { createStandby, dataDirectoryOf } from '../../src/db/standby.js';
import { withClient } from './databases.js';

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
    primaryRealDir = await dataDirectoryOf(primary.url());
    replicaDir = await createStandby(primary.url(), { slot: SLOT, primaryPort: primary.port });
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
