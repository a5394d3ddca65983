/**
 * `npm run bench:feed [-- --subscribers 1000 --duration 10 --connections 10 --skip-build --profile]`
 *
 * The live audit feed under write load: builds and starts the server as production does
 * (`node dist/src/main.js`, as bench/run.ts) on the seeded database, opens `--subscribers`
 * `auditLogAdded(filter: {entityType: "property"})` subscriptions from this process (10 per socket,
 * the server's cap), then runs W4 (updateProperty, fresh titles) with autocannon for `--duration`
 * seconds, so that every write fans out to every subscriber. Prints commit-to-delivery latency,
 * the server's RSS per idle subscription and the fan-out rate. Everything is on 127.0.0.1 and bounded.
 * With `--profile` the server runs under `node --cpu-prof` (profile in bench/profiles/feed/) and the
 * bench prints where its CPU time went, as `npm run bench:profile` does.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { assertKnownFlags, boolFlag, intFlag, parseFlags } from './flags.js';
import { BENCH_JWT_SECRET, assertLoopback, benchDatabaseUrl, databaseNameOf } from './bench-database.js';
import { drive, type LoadResult } from './load.js';
import { PROJECT_ROOT, startBuiltServer, type ServerProcess } from './processes.js';
import { printSummary, readProfile, summarise } from './cpuprofile-summary.js';
import { benchAdminToken, buildServer, checkOnce, seededSizes, workloadInputs } from './setup.js';
import { WORKLOADS } from './workloads.js';
import { metricSample } from './server-metrics.js';

const PER_SOCKET = 10;
const PROFILE_DIR = join(PROJECT_ROOT, 'bench', 'profiles', 'feed');
const FEED_QUERY = 'subscription BenchFeed($filter: AuditLogFilter) { auditLogAdded(filter: $filter) { id performedAt } }';

interface FeedData {
  auditLogAdded: { id: string; performedAt: string };
}

/** Latencies in 0.1 ms buckets up to 120 s: millions of deliveries without keeping each one. */
class Histogram {
  private readonly buckets = new Uint32Array(1_200_000);
  count = 0;
  record(ms: number): void {
    const bucket = Math.min(this.buckets.length - 1, Math.max(0, Math.round(ms * 10)));
    this.buckets[bucket]!++;
    this.count++;
  }
  percentile(fraction: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.ceil(fraction * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return i / 10;
    }
    return NaN;
  }
}

async function metric(server: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${server.metricsUrl}/metrics`)).text();
  return metricSample(text, name) ?? 0;
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  assertKnownFlags(flags, ['subscribers', 'duration', 'connections', 'skip-build', 'profile']);
  // 0 measures W4 alone, as the baseline of the runs with subscribers.
  const subscribers = intFlag(flags, 'subscribers', 1000, 0);
  const durationSeconds = intFlag(flags, 'duration', 10, 1);
  const connections = intFlag(flags, 'connections', 10, 1);
  const profile = boolFlag(flags, 'profile');

  const databaseUrl = benchDatabaseUrl();
  assertLoopback(databaseUrl);
  const sizes = await seededSizes(databaseUrl);
  console.log(
    `feed bench on ${databaseNameOf(databaseUrl)} (~${sizes.properties} properties); ${subscribers} subscribers ` +
      `on ${Math.ceil(subscribers / PER_SOCKET)} sockets, W4 at ${connections} connections for ${durationSeconds} s`,
  );
  if (!boolFlag(flags, 'skip-build')) buildServer();

  const token = await benchAdminToken();
  const headers = { authorization: `Bearer ${token}` };
  const inputs = await workloadInputs(databaseUrl);
  const w4 = WORKLOADS.find((workload) => workload.key === 'W4')!;

  const histogram = new Histogram();
  let measuring = false;
  let deliveredDuringRun = 0;
  let deliveredTotal = 0;
  let failures = 0;
  const failureMessages = new Set<string>();
  const clients: Client[] = [];
  let server: ServerProcess | undefined;
  try {
    if (profile) {
      await rm(PROFILE_DIR, { recursive: true, force: true });
      await mkdir(PROFILE_DIR, { recursive: true });
    }
    const nodeFlags = profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
    server = await startBuiltServer({ databaseUrl, jwtSecret: BENCH_JWT_SECRET, nodeFlags });
    const url = server.url;
    const request = w4.server(inputs);
    await checkOnce(`${url}${request.path}`, request.body, headers);
    await sleep(1000);
    const before = await server.memory();

    const wsUrl = `${url.replace(/^http/, 'ws')}/graphql`;
    for (let opened = 0; opened < subscribers; opened += PER_SOCKET) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
        connectionParams: { authorization: `Bearer ${token}` },
      });
      clients.push(client);
      for (let i = opened; i < Math.min(subscribers, opened + PER_SOCKET); i++) {
        client.subscribe<FeedData>(
          { query: FEED_QUERY, variables: { filter: { entityType: 'property' } } },
          {
            next: (message) => {
              const entry = message.data?.auditLogAdded;
              if (!entry) {
                failures++;
                failureMessages.add(JSON.stringify(message.errors ?? message).slice(0, 200));
                return;
              }
              histogram.record(Date.now() - Date.parse(entry.performedAt));
              deliveredTotal++;
              if (measuring) deliveredDuringRun++;
            },
            error: (error: unknown) => {
              failures++;
              failureMessages.add(String(error instanceof Error ? error.message : JSON.stringify(error)).slice(0, 200));
            },
            complete: () => undefined,
          },
        );
      }
    }
    await waitFor(async () => (await metric(server!, 'audit_feed_subscriptions_active')) >= subscribers || failures > 0, 60_000, `${subscribers} active subscriptions`);
    if (failures > 0) throw new Error(`subscriptions failed: ${[...failureMessages].join('; ')}`);
    await sleep(2000);
    const idle = await server.memory();
    const perSubscriptionKb = ((idle.rssMb - before.rssMb) * 1024) / subscribers;
    const socketsOpen = await metric(server, 'graphql_ws_sockets_open');

    const cpuBefore = await server.cpuMs();
    const ownCpuBefore = process.cpuUsage();
    measuring = true;
    const runStart = Date.now();
    const load: LoadResult = await drive(url, () => w4.server(inputs), { connections, durationSeconds }, headers);
    const runMs = Date.now() - runStart;
    measuring = false;
    const serverCpuMs = (await server.cpuMs()) - cpuBefore;
    const serverCpu = serverCpuMs / runMs;
    const ownUsage = process.cpuUsage(ownCpuBefore);
    const ownCpu = (ownUsage.user + ownUsage.system) / 1000 / runMs;
    // Let the feed drain what was written during the run (bounded): delivered stops growing.
    const expected = load.requests * subscribers;
    const drainDeadline = Date.now() + 30_000;
    let last = -1;
    while (deliveredTotal < expected && deliveredTotal !== last && Date.now() < drainDeadline) {
      last = deliveredTotal;
      await sleep(1000);
    }
    const after = await server.memory();
    const dropped = await metric(server, 'audit_feed_events_dropped_total');

    const rows: [string, string][] = [
      ['subscribers (sockets)', `${subscribers} (${socketsOpen})`],
      ['W4 req/s during the run', `${load.rps.toFixed(0)} (${load.requests} writes, ${load.errors} errors, p50 ${load.p50.toFixed(2)} ms, p99 ${load.p99.toFixed(2)} ms)`],
      ['commit-to-delivery p50', `${histogram.percentile(0.5).toFixed(1)} ms`],
      ['commit-to-delivery p99', `${histogram.percentile(0.99).toFixed(1)} ms`],
      ['fan-out rate', `${(deliveredDuringRun / (runMs / 1000)).toFixed(0)} events/s delivered across all subscribers`],
      ['deliveries', `${deliveredTotal}, expected ≥ ${expected} (writes still in flight when the run ended add more; ${dropped} dropped by the server, ${failures} failures)`],
      ['server RSS', `${before.rssMb.toFixed(0)} MB before, ${idle.rssMb.toFixed(0)} MB with idle subscriptions, ${after.rssMb.toFixed(0)} MB after the run (peak ${after.peakMb.toFixed(0)})`],
      ['CPU during the run', `server ${(serverCpu * 100).toFixed(0)}% of a core, this process (subscribers + autocannon) ${(ownCpu * 100).toFixed(0)}% (${cpus().length} cores)`],
      ['RSS per idle subscription', subscribers > 0 ? `${perSubscriptionKb.toFixed(1)} KB` : '–'],
      [
        'server CPU per delivery',
        deliveredDuringRun > 0
          ? `${((serverCpuMs * 1000) / deliveredDuringRun).toFixed(1)} µs (all of the server's CPU during the run, W4's own work included, over the deliveries)`
          : '–',
      ],
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    console.log('');
    for (const [name, value] of rows) console.log(`| ${name.padEnd(width)} | ${value}`);
    console.log(
      '\nLatency = receipt in this process minus the entry\'s performedAt, both on this machine\'s clock. performedAt is set at\n' +
        'flush, just before COMMIT, so the figure slightly overstates commit-to-delivery; it also includes the time this\n' +
        'process (which also runs the subscribers and autocannon) takes to read each message.',
    );
    if (failureMessages.size > 0) console.log(`failures: ${[...failureMessages].join('; ')}`);
  } finally {
    await Promise.allSettled(clients.map((client) => client.dispose()));
    await server?.stop();
  }
  if (profile) {
    const [file] = (await readdir(PROFILE_DIR)).filter((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`the server wrote no profile in ${PROFILE_DIR}`);
    const path = join(PROFILE_DIR, file);
    printSummary(`server profile, subscriptions opened, W4 run and drain (${path.slice(PROJECT_ROOT.length + 1)})`, summarise(await readProfile(path)));
  }
}

main().catch((error: unknown) => {
  console.error(`feed bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
