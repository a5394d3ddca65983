import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { openDatabase } from '../db/database.js';
import { createOrm, type Orm } from '../db/orm.js';
import { runAsSystem } from '../audit-log/system-actor.js';
import { unmigratedReason } from '../shared/migration-state.js';
import { Role } from './role.js';
import { SYSTEM_USER_CLERK_ID, User } from './user.entity.js';

/**
 * `npm run users:set-role -- <email or clerk id> <user|agent|admin>`: grants a role from the shell
 * (the first admin has no one to ask), audited as performed by the system user.
 */

const USAGE = 'usage: npm run users:set-role -- <email or clerk user id> <user|agent|admin>';

const HELP = `${USAGE}

Sets a user's role, audited as performed by the system user. The user must have signed in once
(the first request with their token creates them). Emails match in any case.

Uses DATABASE_URL, or the embedded PostgreSQL in DATA_DIR (default .data) when it is unset;
the database must be migrated (npm run migrate, or start the server once).

  npm run users:set-role -- alice@example.com agent
  npm run users:set-role -- user_2abc... admin`;

const wantsHelp = (argv: readonly string[]): boolean => argv.some((arg) => arg === '--help' || arg === '-h');

/** A failure the operator can act on: printed as it is, without a stack. */
class SetRoleError extends Error {
  override name = 'SetRoleError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

function parseRole(raw: string): Role {
  const role = Object.values(Role).find((value) => value === raw.trim().toLowerCase());
  if (!role) throw new SetRoleError(`unknown role "${raw}": expected one of ${Object.values(Role).join(', ')}\n${USAGE}`, 2);
  return role;
}

function parseArguments(argv: readonly string[]): { identifier: string; role: Role } {
  const [identifier, role, ...rest] = argv;
  if (!identifier?.trim() || !role || rest.length > 0) throw new SetRoleError(USAGE, 2);
  return { identifier: identifier.trim(), role: parseRole(role) };
}

async function requireMigrated(orm: Orm): Promise<void> {
  const reason = await unmigratedReason(orm);
  if (reason) throw new SetRoleError(reason, 1);
}

interface RoleChange {
  user: { id: number; email: string; clerkUserId: string };
  from: Role;
  to: Role;
}

/** Sets the role of the user named by email or Clerk id, as the system user; no change writes nothing. */
async function setRole(orm: Orm, identifier: string, role: Role): Promise<RoleChange> {
  return await runAsSystem(orm, async (em) => {
    // Emails are kept as the token gave them; an operator may type one in any case. % and _ are literal.
    const emailPattern = identifier.replace(/[\\%_]/g, '\\$&');
    const matches = await em.find(User, { $or: [{ email: { $ilike: emailPattern } }, { clerkUserId: identifier }] });
    if (matches.length === 0) throw new SetRoleError(`no user has the email or Clerk user id "${identifier}"`, 1);
    if (matches.length > 1) {
      throw new SetRoleError(`"${identifier}" names two users (one by email, one by Clerk user id): use the other identifier`, 1);
    }
    const user = matches[0]!;
    if (user.clerkUserId === SYSTEM_USER_CLERK_ID) {
      throw new SetRoleError('the system user acts for scripts and imports: its role cannot be changed', 1);
    }
    const from = user.role;
    user.role = role;
    await em.flush();
    return { user: { id: user.id, email: user.email, clerkUserId: user.clerkUserId }, from, to: role };
  });
}

function describeChange({ user, from, to }: RoleChange): string {
  const who = `user ${user.id} (${user.email}, Clerk id ${user.clerkUserId})`;
  return from === to ? `${who} already has the role ${to}: nothing changed` : `${who}: role ${from} -> ${to}`;
}

async function main(argv: readonly string[]): Promise<void> {
  if (wantsHelp(argv)) {
    console.log(HELP);
    return;
  }
  const { identifier, role } = parseArguments(argv);
  const config = loadConfig();
  // The command's own output is the report; the server's info lines would only bury it.
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const database = await openDatabase(config, logger);
  try {
    const orm = await createOrm({ clientUrl: database.url, statementTimeoutMs: config.statementTimeoutMs, poolMax: 2 });
    try {
      await requireMigrated(orm);
      console.log(describeChange(await setRole(orm, identifier, role)));
    } finally {
      await orm.close();
    }
  } finally {
    await database.stop();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof SetRoleError) {
    console.error(`users:set-role: ${error.message}`);
    process.exitCode = error.exitCode;
    return;
  }
  if (error instanceof ConfigError) {
    console.error(`users:set-role: configuration error: ${error.message}`);
    process.exitCode = 2;
    return;
  }
  console.error(`users:set-role failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
