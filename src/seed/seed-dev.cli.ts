import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { openDatabase } from '../db/database.js';
import { createOrm } from '../db/orm.js';
import { unmigratedReason } from '../shared/migration-state.js';
import { SeedError, seedDevelopmentData, type SeedOutcome } from './dev-seed.js';

/**
 * `npm run seed:dev`: users of each role, listings (published and drafts) and their history, for a
 * frontend developer to click through. Written through the services, so every change is audited
 * (as the system user, which acts for scripts). A second run writes nothing and lists the users again.
 */

const HELP = `usage: npm run seed:dev

Writes development data into DATABASE_URL, or into the embedded PostgreSQL in DATA_DIR (default
.data) when it is unset: two users of each role (user, agent, admin), listings of the agents
(published and drafts) and their audit history. The database must be migrated (npm run migrate,
or start the server once). A second run changes nothing and prints the users again.
Refused when NODE_ENV=production.`;

function report(outcome: SeedOutcome): string {
  const lines = [
    outcome.written
      ? `seed:dev: wrote ${outcome.users.length} users and their listings (${outcome.published} published, ${outcome.drafts} drafts), each change audited`
      : `seed:dev: the development data is there already (${outcome.published} published listings, ${outcome.drafts} drafts): nothing written`,
    '',
    'id  role   email                      Clerk id (the token subject)',
    ...outcome.users.map((user) => `${String(user.id).padEnd(3)} ${user.role.padEnd(6)} ${user.email.padEnd(26)} ${user.clerkUserId}`),
    '',
    'A token for one of them (the server must have the same AUTH_JWT_SECRET):',
    ...outcome.users.map((user) => `  npm run -s token -- --sub ${user.clerkUserId} --email ${user.email}`),
  ];
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  if (argv.length > 0) throw new SeedError(`unexpected argument "${argv[0]}"\n${HELP}`);
  const config = loadConfig();
  if (config.production) throw new SeedError('refusing to write development data with NODE_ENV=production');
  // The command's own output is the report; the server's info lines would only bury it.
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const database = await openDatabase(config, logger);
  try {
    const orm = await createOrm({ clientUrl: database.url, statementTimeoutMs: config.statementTimeoutMs, poolMax: 2 });
    try {
      const reason = await unmigratedReason(orm);
      if (reason) throw new SeedError(reason);
      console.log(report(await seedDevelopmentData(orm)));
    } finally {
      await orm.close();
    }
  } finally {
    await database.stop();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof SeedError) {
    console.error(`seed:dev: ${error.message}`);
  } else if (error instanceof ConfigError) {
    console.error(`seed:dev: configuration error: ${error.message}`);
  } else {
    console.error(`seed:dev failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exitCode = 1;
});
