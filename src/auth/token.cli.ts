import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { ConfigError, loadConfig } from '../config.js';
import { SYSTEM_USER_CLERK_ID } from '../users/user.entity.js';

/**
 * `npm run -s token -- --sub alice --email alice@example.com [--expires-in 8h]`: a development
 * token, HS256-signed with AUTH_JWT_SECRET as the server verifies it. Only the token goes to
 * stdout, so `TOKEN=$(npm run -s token -- …)` works; everything else goes to stderr.
 */

const USAGE = `usage: npm run -s token -- --sub <user id> [--email <address>] [--expires-in <span, e.g. 30m, 8h, 7d>]
  --sub         the token's subject: the user's Clerk id (any text in development)
  --email       the email claim; needed when this sub signs in for the first time
  --expires-in  how long the token lives (default 1h): a number with s, m, h, d or w`;

const DEFAULT_EXPIRY = '1h';
const EXPIRY = /^[1-9]\d*\s*(s|m|h|d|w)$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A failure the developer can act on: printed as it is, without a stack. */
class TokenCliError extends Error {
  override name = 'TokenCliError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

interface TokenRequest {
  subject: string;
  email?: string;
  expiresIn: string;
}

function parseArguments(argv: string[]): TokenRequest | 'help' {
  let values: { sub?: string; email?: string; 'expires-in'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        sub: { type: 'string' },
        email: { type: 'string' },
        'expires-in': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new TokenCliError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  if (values.help) return 'help';
  const subject = values.sub?.trim();
  if (!subject) throw new TokenCliError(`--sub is required\n${USAGE}`);
  if (subject === SYSTEM_USER_CLERK_ID) throw new TokenCliError('the system user acts for scripts only: the server refuses tokens for it');
  if (subject.length > 255) throw new TokenCliError('--sub is longer than 255 characters: the server would refuse it');
  const email = values.email?.trim();
  if (email !== undefined && !EMAIL.test(email)) throw new TokenCliError(`--email "${email}" is not an email address`);
  const expiresIn = values['expires-in']?.trim() ?? DEFAULT_EXPIRY;
  if (!EXPIRY.test(expiresIn)) throw new TokenCliError(`--expires-in "${expiresIn}" is not a time span such as 30m, 8h or 7d`);
  return { subject, email, expiresIn };
}

function secret(): string {
  let jwtSecret: string | undefined;
  try {
    jwtSecret = loadConfig().auth.jwtSecret;
  } catch (error) {
    if (error instanceof ConfigError) throw new TokenCliError(`configuration error: ${error.message}`);
    throw error;
  }
  if (!jwtSecret) {
    throw new TokenCliError(
      'AUTH_JWT_SECRET is not set. Development tokens are signed with the secret the server verifies them with:\n' +
        '  export AUTH_JWT_SECRET=$(openssl rand -hex 32)   # then start the server and run this command with the same value',
    );
  }
  return jwtSecret;
}

async function main(argv: string[]): Promise<void> {
  const request = parseArguments(argv);
  if (request === 'help') {
    console.error(USAGE);
    return;
  }
  const key = new TextEncoder().encode(secret());
  const token = await new SignJWT(request.email ? { email: request.email } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.subject)
    .setIssuedAt()
    .setExpirationTime(request.expiresIn)
    .sign(key);
  console.log(token);
  if (!request.email) console.error('token: no --email given: the first sign-in of a new user needs one');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof TokenCliError) {
    console.error(`token: ${error.message}`);
    process.exitCode = error.exitCode;
    return;
  }
  console.error(`token failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
