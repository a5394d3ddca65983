/**
 * `npm run bench:profile [-- --only W1,W3p1 --duration 10 --skip-build]`
 *
 * Runs the built server under `node --cpu-prof`, once per workload (so each profile holds one kind
 * of request), drives it with the same load as `npm run bench`, stops it with SIGTERM (the profile
 * is written as it exits) and prints where the CPU time went. Profiles stay in bench/profiles/.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { assertKnownFlags, boolFlag, intFlag, parseFlags } from './flags.js';
import { BENCH_JWT_SECRET, assertLoopback, benchDatabaseUrl } from './bench-database.js';
import { drive } from './load.js';
import { PROJECT_ROOT, startBuiltServer } from './processes.js';
import { benchAdminToken, buildServer, checkOnce, page200After, seededSizes, workloadInputs } from './setup.js';
import { printSummary, readProfile, summarise } from './cpuprofile-summary.js';
import { WORKLOADS, headersFor } from './workloads.js';

const PROFILE_DIR = join(PROJECT_ROOT, 'bench', 'profiles');

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  assertKnownFlags(flags, ['only', 'duration', 'connections', 'warmup', 'top', 'skip-build', 'server-entry']);
  const entry = flags.get('server-entry');
  const keys = (flags.get('only') ?? 'W1,W3p1').split(',').map((key) => key.trim());
  const workloads = WORKLOADS.filter((workload) => keys.includes(workload.key));
  if (workloads.length === 0) throw new Error(`--only matched no workload; known: ${WORKLOADS.map((w) => w.key).join(',')}`);
  const load = { connections: intFlag(flags, 'connections', 10, 1), durationSeconds: intFlag(flags, 'duration', 10, 1) };
  const warmup = intFlag(flags, 'warmup', 3);
  const top = intFlag(flags, 'top', 25, 1);

  const databaseUrl = benchDatabaseUrl();
  assertLoopback(databaseUrl);
  await seededSizes(databaseUrl);
  if (!boolFlag(flags, 'skip-build')) buildServer();
  const token = await benchAdminToken();
  const headers = { authorization: `Bearer ${token}` };
  const inputs = await workloadInputs(databaseUrl);
  await mkdir(PROFILE_DIR, { recursive: true });

  for (const workload of workloads) {
    const dir = join(PROFILE_DIR, workload.key);
    await rm(dir, { recursive: true, force: true });
    // The warm-up runs inside the profiled process too: its samples are a few seconds of a longer run.
    const server = await startBuiltServer({ databaseUrl, jwtSecret: BENCH_JWT_SECRET, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`], entry });
    try {
      if (workload.key === 'W3p200') inputs.serverPage200After = await page200After('server', server.url, inputs, headers);
      const workloadHeaders = headersFor(workload, headers);
      const first = workload.server(inputs);
      await checkOnce(`${server.url}${first.path}`, first.body, workloadHeaders);
      if (warmup > 0) await drive(server.url, () => workload.server(inputs), { ...load, durationSeconds: warmup }, workloadHeaders);
      const result = await drive(server.url, () => workload.server(inputs), load, workloadHeaders);
      console.log(`\n${workload.label}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ${result.errors} errors (under the profiler)`);
    } finally {
      const code = await server.stop();
      if (code !== 0) console.error(`the server exited with ${code}:\n${server.output()}`);
    }
    const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
    if (files.length !== 1) throw new Error(`expected one profile in ${dir}, found ${files.length}`);
    const path = join(dir, files[0]!);
    printSummary(`${workload.key} profile (${path.slice(PROJECT_ROOT.length + 1)})`, summarise(await readProfile(path)), top);
  }
}

main().catch((error: unknown) => {
  console.error(`profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
