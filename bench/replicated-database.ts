import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { createStandby, dataDirectoryOf, pointStandbyAt, standbyFolderOf } from '../src/db/standby.js';
import { withClient } from './bench-database.js';
import { PROJECT_ROOT } from './processes.js';

const DATABASE = 'bestays_bench';
const SLOT = 'bestays_bench_replica';
/** Kept between runs: seeding a million audit rows and copying them to a standby takes minutes once. */
const HOME = join(PROJECT_ROOT, '.bench', 'replicated');

export interface ReplicatedBenchDatabase {
  primaryUrl: string;
  replicaUrl: string;
  stop(): Promise<void>;
}

async function seed(url: string, sizes: readonly string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/seed.ts', ...sizes], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: url },
      stdio: 'inherit',
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench/seed.ts exited with ${code}`))));
  });
}

/** Waits until the standby has replayed everything the primary had written when this began. */
async function caughtUp(primaryUrl: string, replicaUrl: string): Promise<void> {
  const target = await withClient(primaryUrl, async (client) => (await client.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0]!.lsn);
  const deadline = Date.now() + 600_000;
  for (;;) {
    const done = await withClient(replicaUrl, async (client) =>
      (await client.query<{ done: boolean }>('select pg_last_wal_replay_lsn() >= $1::pg_lsn as done', [target])).rows[0]!.done,
    );
    if (done) return;
    if (Date.now() > deadline) throw new Error('the bench replica did not catch up within 10 minutes');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * The bench's primary and its streaming replica: embedded PostgreSQL clusters under .bench/replicated,
 * the primary seeded as `npm run bench:seed` seeds (with `seedFlags`) the first time, the standby
 * made from it once; later runs start both and wait for the standby to catch up.
 */
export async function startReplicatedBenchDatabase(seedFlags: readonly string[]): Promise<ReplicatedBenchDatabase> {
  const log = (line: string): void => console.log(`[bench replica] ${line}`);
  const primary = new EmbeddedPostgres({ dataDir: join(HOME, 'primary') });
  await primary.start();
  const primaryUrl = primary.url(DATABASE);
  const seeded = await withClient(primary.url(), async (client) => ((await client.query('select 1 from pg_database where datname = $1', [DATABASE])).rowCount ?? 0) > 0);
  if (!seeded) {
    log(`seeding the primary (${seedFlags.join(' ')}): once, kept in ${HOME}`);
    await seed(primaryUrl, seedFlags);
  }
  const standbyDir = standbyFolderOf(await dataDirectoryOf(primary.url()));
  if (!existsSync(join(standbyDir, 'PG_VERSION'))) {
    log('copying the primary into a standby: once');
    await createStandby(primary.url(), { slot: SLOT, primaryPort: primary.port });
  }
  await pointStandbyAt(standbyDir, { slot: SLOT, primaryPort: primary.port });
  const replica = new EmbeddedPostgres({ dataDir: standbyDir });
  await replica.start();
  const replicaUrl = replica.url(DATABASE);
  await caughtUp(primaryUrl, replicaUrl);
  log(`primary ${primaryUrl}, replica ${replicaUrl}: caught up`);
  return {
    primaryUrl,
    replicaUrl,
    async stop() {
      await replica.stop();
      await primary.stop();
    },
  };
}
