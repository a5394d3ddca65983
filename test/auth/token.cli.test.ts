import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { TEST_JWT_SECRET } from '../support/tokens.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run token` as a developer runs it, in its own process. */
async function token(env: Record<string, string | undefined>, ...args: string[]): Promise<CommandResult> {
  return await new Promise((resolve) => {
    execFile(
      process.execPath,
      ['node_modules/tsx/dist/cli.mjs', 'src/auth/token.cli.ts', ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, DATABASE_URL: undefined, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run token', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('prints only a token that the server accepts, naming the given user', async () => {
    const result = await token({ AUTH_JWT_SECRET: TEST_JWT_SECRET }, '--sub', 'alice_cli', '--email', 'alice.cli@example.com');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const response = await server.gql('{ me { clerkUserId email role } }', { token: result.stdout.trim() });
    expect(response.data?.me).toEqual({ clerkUserId: 'alice_cli', email: 'alice.cli@example.com', role: 'USER' });
  });

  it('refuses clearly when AUTH_JWT_SECRET is not set', async () => {
    const result = await token({ AUTH_JWT_SECRET: undefined }, '--sub', 'alice_cli');
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('AUTH_JWT_SECRET is not set');
  });

  it('refuses a token for the system user', async () => {
    const result = await token({ AUTH_JWT_SECRET: TEST_JWT_SECRET }, '--sub', 'system_00000000000000000000');
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
  });
});
