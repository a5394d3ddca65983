import { parseArgs } from 'node:util';
import type pg from 'pg';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { openDatabase } from '../db/database.js';
import { withClient } from '../db/pg-client.js';
import { DomainError } from '../shared/domain-error.js';
import {
  ChainAccumulator,
  chainEntriesSql,
  orphanHeadProblem,
  orphanHeadsSql,
  type ChainEntryRow,
} from './audit-chain-check.js';
import { auditedEntityIdOf } from './audit-chain.verifier.js';

const USAGE = 'usage: npm run audit:verify [-- --entity-type <property|user> --entity-id <id>]';

const HELP = `${USAGE}

Recomputes every audit chain (or one entity's) in the database and compares each entry with its
hash, its predecessor and its place in the sequence. Prints what it checked and each broken link
(entity, seq, what differs); exits 0 only when every chain holds, 1 when one does not or the check
could not run, 2 on a usage error.

Uses DATABASE_URL, or the embedded PostgreSQL in DATA_DIR (default .data) when it is unset.`;

/** Rows fetched per round trip: memory stays flat however long the log is. */
const FETCH_SIZE = 5_000;
const PROGRESS_INTERVAL_MS = 1_000;

class VerifyError extends Error {
  override name = 'VerifyError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

interface Scope {
  entityType: string;
  entityId: string;
}

function parseScope(argv: string[]): Scope | undefined | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'entity-type': { type: 'string' }, 'entity-id': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new VerifyError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
  }
  if (values.help) return 'help';
  const entityType = values['entity-type'];
  const entityId = values['entity-id'];
  if (entityType === undefined && entityId === undefined) return undefined;
  if (!entityType || !entityId) throw new VerifyError(`--entity-type and --entity-id go together\n${USAGE}`, 2);
  try {
    return { entityType, entityId: auditedEntityIdOf(entityType, entityId) };
  } catch (error) {
    if (error instanceof DomainError) throw new VerifyError(`${error.message}\n${USAGE}`, 2);
    throw error;
  }
}

async function requireChainSchema(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ present: boolean }>(
    `select to_regclass('public.audit_log_head') is not null
        and to_regprocedure('public.audit_log_entry_hash(text, text, text, text, jsonb, integer, timestamptz, text, text)') is not null
        as present`,
  );
  if (!rows[0]?.present) {
    throw new VerifyError('the database has no audit chain (audit_log_head, audit_log_entry_hash): run `npm run migrate` first', 1);
  }
}

class Progress {
  private lastPrint = 0;
  constructor(private readonly enabled: boolean) {}

  update(entries: number, chains: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastPrint < PROGRESS_INTERVAL_MS) return;
    this.lastPrint = now;
    process.stderr.write(`\r${entries} entries, ${chains} chains checked…`);
  }

  clear(): void {
    if (this.enabled && this.lastPrint > 0) process.stderr.write('\r\x1b[K');
  }
}

interface Totals {
  chains: number;
  entries: number;
  brokenChains: number;
}

/**
 * Walks the chains through a server-side cursor in one read-only transaction: a consistent
 * snapshot, FETCH_SIZE rows in memory at a time.
 */
async function verify(client: pg.Client, scope: Scope | undefined, report: (line: string) => void): Promise<Totals> {
  const totals: Totals = { chains: 0, entries: 0, brokenChains: 0 };
  const progress = new Progress(process.stderr.isTTY === true);
  const parameters = scope ? [scope.entityType, scope.entityId] : [];
  let chain: ChainAccumulator | undefined;
  const finish = (): void => {
    if (!chain) return;
    totals.chains++;
    if (!chain.result().valid) totals.brokenChains++;
  };
  await client.query('begin transaction isolation level repeatable read read only');
  try {
    await client.query(`declare audit_chain no scroll cursor for ${chainEntriesSql(scope !== undefined)}`, parameters);
    for (;;) {
      const { rows } = await client.query<ChainEntryRow>(`fetch ${FETCH_SIZE} from audit_chain`);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (!chain || chain.entityType !== row.entity_type || chain.entityId !== row.entity_id) {
          finish();
          chain = new ChainAccumulator(row.entity_type, row.entity_id);
        }
        const problem = chain.add(row);
        totals.entries++;
        if (problem !== undefined) report(`broken: ${row.entity_type} ${row.entity_id} seq ${row.seq}: ${problem}`);
      }
      progress.update(totals.entries, totals.chains);
    }
    finish();
    await client.query('close audit_chain');
    const orphans = await client.query<{ entity_type: string; entity_id: string; seq: number }>(orphanHeadsSql(scope !== undefined), parameters);
    for (const orphan of orphans.rows) {
      totals.chains++;
      totals.brokenChains++;
      report(`broken: ${orphan.entity_type} ${orphan.entity_id} seq 1: ${orphanHeadProblem(orphan.seq)}`);
    }
  } finally {
    progress.clear();
    await client.query('rollback');
  }
  return totals;
}

async function main(argv: string[]): Promise<void> {
  const scope = parseScope(argv);
  if (scope === 'help') {
    console.log(HELP);
    return;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const database = await openDatabase(config, logger);
  try {
    const started = performance.now();
    const totals = await withClient(database.url, async (client) => {
      await requireChainSchema(client);
      return await verify(client, scope, (line) => console.log(line));
    });
    const seconds = (performance.now() - started) / 1000;
    const what = scope ? `the chain of ${scope.entityType} ${scope.entityId}` : 'every audit chain';
    const rate = seconds > 0 ? `, ${Math.round(totals.entries / seconds)} entries/s` : '';
    console.log(`checked ${what}: ${totals.chains} chain(s), ${totals.entries} entries in ${seconds.toFixed(1)} s${rate}`);
    if (totals.brokenChains > 0) throw new VerifyError(`${totals.brokenChains} chain(s) broken`, 1);
    console.log('all chains hold');
  } finally {
    await database.stop();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof VerifyError) {
    console.error(`audit:verify: ${error.message}`);
    process.exitCode = error.exitCode;
    return;
  }
  if (error instanceof ConfigError) {
    console.error(`audit:verify: configuration error: ${error.message}`);
    process.exitCode = 2;
    return;
  }
  console.error(`audit:verify failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
