/**
 * `npm run bench [-- --connections 10 --duration 10 --warmup 3 --only W1,W3p1 --skip-build --workers 1 --replica [unused]]`
 *
 * Builds the server, starts it as production does (`node dist/src/main.js`) beside the baseline
 * (bench/baseline-server.ts) on the seeded database, and drives both over HTTP with autocannon,
 * one workload at a time, the server and then its baseline, each after its own warm-up. Prints one
 * table of figures, ratios and targets. Everything listens on 127.0.0.1 and every load is time-bound.
 *
 * `--replica` runs on an embedded primary and its streaming replica instead (bench/replicated-database.ts,
 * seeded as the defaults of bench:seed the first time), with the server's queries on the replica;
 * `--replica unused` runs on the same pair with the server reading from the primary alone, to compare.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { assertKnownFlags, boolFlag, intFlag, parseFlags } from './flags.js';
import { BENCH_JWT_SECRET, assertLoopback, benchDatabaseUrl, databaseNameOf } from './bench-database.js';
import { drive, type LoadOptions, type LoadResult } from './load.js';
import { productionNodeFlags, startBaselineServer, startBuiltServer, type BenchProcess, type ServerProcess } from './processes.js';
import { benchAdminToken, buildServer, checkOnce, page200After, seededSizes, workloadInputs } from './setup.js';
import { countStatements, describeStatementTarget, statementProbes, statementTargetMet, type StatementCount } from './statements.js';
import { WORKLOADS, headersFor, type Workload, type WorkloadInputs } from './workloads.js';
import { startReplicatedBenchDatabase, type ReplicatedBenchDatabase } from './replicated-database.js';
import { metricSample, metricsText } from './server-metrics.js';

// Issue 12's targets; the per-workload ratio and CPU targets sit with each workload (workloads.ts).
const DEPTH_TARGET = 1.25;
const TAIL_TARGET = 4;
const RSS_TARGET_MB = 250;

/** A load result with the CPU time the measured process spent per request (PostgreSQL's not included). */
interface SideResult extends LoadResult {
  cpuMsPerRequest: number;
  /** V8's full (mark-compact) collections during the measured run, where the side reports them. */
  fullCollections?: number;
}

interface Measured {
  workload: Workload;
  server: SideResult;
  baseline: SideResult;
}

interface Row {
  name: string;
  rps: string;
  p50: string;
  p99: string;
  errors: string;
  cpu: string;
  baselineRps: string;
  baselineP50: string;
  baselineCpu: string;
  ratio: string;
  target: string;
  pass: boolean;
}

const loadAverage = (): string => loadavg().map((value) => value.toFixed(2)).join(' ');
const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : '-');
const rate = (value: number): string => value.toFixed(0);

function loadRow(measured: Measured): Row {
  const ratio = measured.server.rps / measured.baseline.rps;
  return {
    name: measured.workload.label,
    rps: rate(measured.server.rps),
    p50: ms(measured.server.p50),
    p99: ms(measured.server.p99),
    errors: `${measured.server.errors}`,
    cpu: ms(measured.server.cpuMsPerRequest),
    baselineRps: rate(measured.baseline.rps),
    baselineP50: ms(measured.baseline.p50),
    baselineCpu: ms(measured.baseline.cpuMsPerRequest),
    ratio: `${ratio.toFixed(2)}x`,
    target: `≥ ${measured.workload.ratioTarget}x baseline, 0 errors`,
    pass: ratio >= measured.workload.ratioTarget && measured.server.errors === 0 && measured.baseline.errors === 0,
  };
}

function checkRow(name: string, value: string, target: string, pass: boolean): Row {
  return { name, rps: '', p50: '', p99: '', errors: '', cpu: '', baselineRps: '', baselineP50: '', baselineCpu: '', ratio: value, target, pass };
}

function printTable(rows: readonly Row[]): void {
  const header = ['workload', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU ms/req', 'baseline req/s', 'baseline p50 ms', 'baseline CPU ms/req', 'ratio / value', 'target', 'pass'];
  const cells = rows.map((row) => [
    row.name,
    row.rps,
    row.p50,
    row.p99,
    row.errors,
    row.cpu,
    row.baselineRps,
    row.baselineP50,
    row.baselineCpu,
    row.ratio,
    row.target,
    row.pass ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: readonly string[]): string => `| ${values.map((value, i) => value.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const values of cells) console.log(line(values));
}

/** Heap figures from the server's Prometheus endpoint, where it has one: they tell live data from GC slack in the RSS. */
async function heapReport(metricsUrl: string): Promise<string | undefined> {
  const text = await metricsText(metricsUrl);
  if (!text) return undefined;
  const mb = (metric: string, label?: string): string => {
    const bytes = metricSample(text, metric, label);
    return bytes === undefined ? '?' : `${(bytes / 2 ** 20).toFixed(0)} MB`;
  };
  return (
    `V8 heap used ${mb('nodejs_heap_size_used_bytes')} of ${mb('nodejs_heap_size_total_bytes')} allocated, ` +
    `old space used ${mb('nodejs_heap_space_size_used_bytes', 'space="old"')}, ` +
    `new space allocated ${mb('nodejs_heap_space_size_total_bytes', 'space="new"')}, external ${mb('nodejs_external_memory_bytes')}`
  );
}

/** prom-client's count of V8's full collections, where the side has a Prometheus endpoint. */
async function fullCollectionsSoFar(metricsUrl: string | undefined): Promise<number | undefined> {
  if (!metricsUrl) return undefined;
  return metricSample(await metricsText(metricsUrl), 'nodejs_gc_duration_seconds_count', 'kind="major"');
}

async function measure(
  target: BenchProcess,
  next: () => { path: string; body: string },
  options: LoadOptions,
  warmupSeconds: number,
  headers: Record<string, string>,
  metricsUrl?: string,
): Promise<SideResult> {
  if (warmupSeconds > 0) await drive(target.url, next, { ...options, durationSeconds: warmupSeconds }, headers);
  const cpuBefore = await target.cpuMs();
  const collectionsBefore = await fullCollectionsSoFar(metricsUrl);
  const result = await drive(target.url, next, options, headers);
  // CPU per request holds up where req/s does not: other work on the machine takes cores, not cycles per request.
  const cpuMsPerRequest = ((await target.cpuMs()) - cpuBefore) / Math.max(1, result.requests);
  const collectionsAfter = await fullCollectionsSoFar(metricsUrl);
  // Full collections pause every request in flight: they are what a latency tail is made of.
  const fullCollections =
    collectionsBefore === undefined || collectionsAfter === undefined ? undefined : collectionsAfter - collectionsBefore;
  return { ...result, cpuMsPerRequest, fullCollections };
}

function printStatements(counts: readonly StatementCount[], verbose: boolean): void {
  console.log(
    '\nSQL statements per request, counted at the pool (BEGIN/COMMIT included) on an in-process server with observeQuery;\n' +
      'the second request of each, a warm one: the viewer is cached by then, so its lookup is not counted:',
  );
  for (const count of counts) {
    console.log(`  ${count.label.padEnd(24)} ${count.statements}`);
    if (verbose) for (const sql of count.sql) console.log(`      ${sql}`);
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  assertKnownFlags(flags, ['connections', 'duration', 'warmup', 'only', 'skip-build', 'show-sql', 'node-flags', 'server-entry', 'workers', 'replica']);
  const replicaMode = flags.get('replica');
  if (replicaMode !== undefined && replicaMode !== 'true' && replicaMode !== 'unused') throw new Error('--replica takes no value, or "unused"');
  // Lets an owner try a runtime setting (e.g. --max-semi-space-size=16) on the server alone, beside the same baseline.
  const nodeFlags = flags.get('node-flags')?.split(' ').filter(Boolean) ?? [];
  const load: LoadOptions = { connections: intFlag(flags, 'connections', 10, 1), durationSeconds: intFlag(flags, 'duration', 10, 1) };
  const warmup = intFlag(flags, 'warmup', 3);
  // WEB_CONCURRENCY of the server; its CPU and memory figures are then the whole group's (primary and workers).
  const workers = intFlag(flags, 'workers', 1, 1);
  const only = flags.get('only')?.split(',').map((key) => key.trim());
  const workloads = WORKLOADS.filter((workload) => !only || only.includes(workload.key));
  if (workloads.length === 0) throw new Error(`--only matched no workload; known: ${WORKLOADS.map((w) => w.key).join(',')}`);

  const replicated = replicaMode ? await startReplicatedBenchDatabase(REPLICA_SEED_FLAGS) : undefined;
  try {
    await runBench(flags, { nodeFlags, load, warmup, workloads, workers }, replicated, replicaMode === 'true');
  } finally {
    await replicated?.stop();
  }
}

const REPLICA_SEED_FLAGS = ['--users', '1000', '--properties', '100000', '--audit', '1000000'];

interface BenchSettings {
  nodeFlags: string[];
  load: LoadOptions;
  warmup: number;
  workloads: Workload[];
  workers: number;
}

/** Reads the server's own count of where its queries read (db_query_reads_total), when it has replicas. */
async function replicaReads(metricsUrl: string): Promise<string | undefined> {
  const counts = (await metricsText(metricsUrl))
    .split('\n')
    .filter((line) => line.startsWith('db_query_reads_total{'))
    .map((line) => line.replace(/^db_query_reads_total\{target="(\w+)"\} /, '$1 '));
  return counts.length > 0 ? counts.join(', ') : undefined;
}

async function runBench(
  flags: Map<string, string>,
  { nodeFlags, load, warmup, workloads, workers }: BenchSettings,
  replicated: ReplicatedBenchDatabase | undefined,
  readFromReplica: boolean,
): Promise<void> {
  const databaseUrl = replicated?.primaryUrl ?? benchDatabaseUrl();
  assertLoopback(databaseUrl);
  if (replicated) console.log(`embedded primary and replica; the server reads from ${readFromReplica ? 'the replica' : 'the primary alone'}`);
  const sizes = await seededSizes(databaseUrl);
  console.log(
    `bench on ${databaseNameOf(databaseUrl)} (~${sizes.users} users, ~${sizes.properties} properties, ~${sizes.audit} audit rows); ` +
      `${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; ${load.connections} connections, ${load.durationSeconds} s per run, ${warmup} s warm-up`,
  );
  // The load generator, both servers and PostgreSQL share these cores: anything else running skews every figure.
  console.log(`load average before: ${loadAverage()}`);
  if (!boolFlag(flags, 'skip-build')) buildServer();

  const token = await benchAdminToken();
  const serverHeaders = { authorization: `Bearer ${token}` };
  const inputs: WorkloadInputs = await workloadInputs(databaseUrl);

  let server: ServerProcess | undefined;
  let baseline: BenchProcess | undefined;
  try {
    const entry = flags.get('server-entry');
    server = await startBuiltServer({
      databaseUrl,
      jwtSecret: BENCH_JWT_SECRET,
      nodeFlags,
      entry,
      workers,
      replicaUrls: replicated && readFromReplica ? [replicated.replicaUrl] : [],
    });
    console.log(`server node flags: ${[...(await productionNodeFlags()), ...nodeFlags].join(' ') || '(none)'} (start:prod's, then --node-flags)`);
    if (entry) console.log(`server entry: ${entry}`);
    baseline = await startBaselineServer(databaseUrl);
    console.log(
      `server ${server.url} (pid ${server.pid}${workers > 1 ? `, a cluster primary with ${workers} workers` : ''}), baseline ${baseline.url} (pid ${baseline.pid})`,
    );
    // Memory right after boot, to tell the footprint of the code and schema from growth under load.
    const bootMemory = await server.memory();

    if (workloads.some((workload) => workload.key === 'W3p200')) {
      inputs.serverPage200After = await page200After('server', server.url, inputs, serverHeaders);
      inputs.baselinePage200After = await page200After('baseline', baseline.url, inputs, {});
    }
    for (const workload of workloads) {
      const serverRequest = workload.server(inputs);
      await checkOnce(`${server.url}${serverRequest.path}`, serverRequest.body, headersFor(workload, serverHeaders));
      const baselineRequest = workload.baseline(inputs);
      await checkOnce(`${baseline.url}${baselineRequest.path}`, baselineRequest.body, {});
    }

    const statements = await countStatements(
      databaseUrl,
      BENCH_JWT_SECRET,
      token,
      statementProbes({ propertyId: inputs.propertyIds[0]!, from: inputs.from, to: inputs.to, page200After: inputs.serverPage200After }),
    );
    printStatements(statements, boolFlag(flags, 'show-sql'));

    const results: Measured[] = [];
    for (const workload of workloads) {
      process.stdout.write(`\n${workload.label}: server…`);
      const serverResult = await measure(
        server,
        () => workload.server(inputs),
        load,
        warmup,
        headersFor(workload, serverHeaders),
        server.metricsUrl,
      );
      process.stdout.write(` ${rate(serverResult.rps)} req/s; baseline…`);
      const baselineResult = await measure(baseline, () => workload.baseline(inputs), load, warmup, {});
      process.stdout.write(` ${rate(baselineResult.rps)} req/s`);
      results.push({ workload, server: serverResult, baseline: baselineResult });
    }
    const memory = await server.memory();
    const baselineMemory = await baseline.memory();
    console.log(
      `\n\nRSS: server ${bootMemory.rssMb.toFixed(0)} MB after boot, ${memory.rssMb.toFixed(0)} MB after the run (peak ${memory.peakMb.toFixed(0)}); ` +
        `baseline ${baselineMemory.rssMb.toFixed(0)} MB (peak ${baselineMemory.peakMb.toFixed(0)})`,
    );
    const heap = await heapReport(server.metricsUrl);
    if (heap) console.log(`server ${heap}`);
    const collections = results
      .filter((result) => result.server.fullCollections !== undefined)
      .map((result) => `${result.workload.key} ${result.server.fullCollections}`);
    if (collections.length > 0) console.log(`server full GCs (mark-compact) per measured run: ${collections.join(', ')}`);
    const reads = await replicaReads(server.metricsUrl);
    if (reads) console.log(`server reads of queries by where they ran: ${reads}`);
    console.log('');

    const rows = results.map(loadRow);
    for (const { workload, server: measuredServer } of results) {
      if (workload.serverCpuMsTarget === undefined) continue;
      rows.push(
        checkRow(
          `${workload.key} server CPU per request`,
          `${ms(measuredServer.cpuMsPerRequest)} ms`,
          `≤ ${workload.serverCpuMsTarget} ms`,
          measuredServer.cpuMsPerRequest <= workload.serverCpuMsTarget,
        ),
      );
    }
    const tails = results
      .filter((result) => result.workload.read)
      .map((result) => ({ key: result.workload.key, tail: result.server.p99 / result.server.p50, baselineTail: result.baseline.p99 / result.baseline.p50 }));
    if (tails.length > 0) {
      // NaN (no responses) must fail, so the worst is picked with NaN ranked above every number.
      const worst = tails.reduce((a, b) => (Number.isNaN(b.tail) || b.tail > a.tail ? b : a));
      rows.push(
        checkRow(
          'p99 / p50 of every read workload',
          `worst ${worst.tail.toFixed(2)}x (${worst.key}); ${tails.map(({ key, tail }) => `${key} ${tail.toFixed(2)}`).join(', ')}; ` +
            // The raw baseline's own tail on the same machine: what the cores shared with the load generator allow.
            `baseline ${tails.map(({ key, baselineTail }) => `${key} ${baselineTail.toFixed(2)}`).join(', ')}`,
          `≤ ${TAIL_TARGET}x each`,
          tails.every(({ tail }) => tail <= TAIL_TARGET),
        ),
      );
    }
    const page1 = results.find((result) => result.workload.key === 'W3p1');
    const page200 = results.find((result) => result.workload.key === 'W3p200');
    if (page1 && page200) {
      const depth = page200.server.p50 / page1.server.p50;
      rows.push(checkRow('W3 p50 page 200 / page 1', `${depth.toFixed(2)}x`, `≤ ${DEPTH_TARGET}x`, depth <= DEPTH_TARGET));
    }
    const listingCounts = statements.filter((count) => count.label.startsWith('W1 first')).map((count) => count.statements);
    rows.push(
      checkRow(
        'W1 statements at first 10/50/100',
        listingCounts.join(' / '),
        'constant in page size',
        listingCounts.length === 3 && listingCounts.every((count) => count === listingCounts[0]),
      ),
    );
    for (const count of statements) {
      if (!count.target) continue;
      rows.push(
        checkRow(
          `statements/request ${count.label} (warm)`,
          `${count.statements}`,
          describeStatementTarget(count.target),
          statementTargetMet(count.statements, count.target),
        ),
      );
    }
    // With workers the figure is the group's (primary and workers): each worker gets the one-process bound.
    const rssTargetMb = RSS_TARGET_MB * workers;
    rows.push(
      checkRow(
        workers > 1 ? `server RSS after the run (primary + ${workers} workers)` : 'server RSS after the run',
        `${memory.rssMb.toFixed(0)} MB (peak ${memory.peakMb.toFixed(0)})`,
        `< ${rssTargetMb} MB`,
        memory.rssMb < rssTargetMb,
      ),
    );
    printTable(rows);
    const failed = rows.filter((row) => !row.pass).length;
    console.log(`\n${rows.length - failed} of ${rows.length} targets met (${new Date().toISOString()}; load average after: ${loadAverage()})`);
  } finally {
    await server?.stop();
    await baseline?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
