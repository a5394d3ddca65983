import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.js';
import { noTokenAcceptedWarning } from '../../src/auth/token-acceptance.js';
import { freePort } from '../../src/shared/free-port.js';
import { createDatabase, dropDatabase, uniqueDatabaseName } from '../support/databases.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the warning that no token can be accepted', () => {
  it('is given when neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set', () => {
    const warning = noTokenAcceptedWarning(loadConfig({ AUTH_JWT_SECRET: ' ', AUTH_ISSUER: 'https://issuer.example' }).auth);
    expect(warning).toContain('neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set');
  });

  it('is not given with AUTH_JWT_SECRET', () => {
    expect(noTokenAcceptedWarning(loadConfig({ AUTH_JWT_SECRET: 'development-secret' }).auth)).toBeUndefined();
  });

  it('is not given with AUTH_JWKS_URL', () => {
    expect(noTokenAcceptedWarning(loadConfig({ AUTH_JWKS_URL: 'https://clerk.example/.well-known/jwks.json' }).auth)).toBeUndefined();
  });
});

describe('the server process started without token configuration', () => {
  const maintenanceUrl = inject('maintenanceUrl');
  const databaseName = uniqueDatabaseName('bestays_startup');
  let child: ChildProcess | undefined;
  let output = '';
  beforeAll(async () => {
    const databaseUrl = await createDatabase(maintenanceUrl, databaseName, inject('templateDatabase'));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), LOG_LEVEL: 'info' };
    delete env.AUTH_JWT_SECRET;
    delete env.AUTH_JWKS_URL;
    child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/main.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 60_000;
    while (!output.includes('Bestays API ready')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 90_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await dropDatabase(maintenanceUrl, databaseName);
  });

  it('logs one warning, at level warn, before it is ready', () => {
    const lines = output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: number; msg: string });
    const warnings = lines.filter((line) => line.msg.includes('No bearer token can be accepted'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe(40);
    const ready = lines.findIndex((line) => line.msg.startsWith('Bestays API ready'));
    expect(lines.indexOf(warnings[0]!)).toBeLessThan(ready);
  });
});
