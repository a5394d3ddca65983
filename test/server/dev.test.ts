import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { utimes } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/shared/free-port.js';
import { createDatabase, dropDatabase, uniqueDatabaseName } from '../support/databases.js';
import { TEST_JWT_SECRET } from '../support/tokens.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY = 'Bestays API ready';

describe('npm run dev', () => {
  const maintenanceUrl = inject('maintenanceUrl');
  const databaseName = uniqueDatabaseName('bestays_dev');
  let child: ChildProcess;
  let output = '';
  let port: number;

  const readyCount = () => output.split(READY).length - 1;
  async function waitFor(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!condition()) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${what} did not happen:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  beforeAll(async () => {
    const databaseUrl = await createDatabase(maintenanceUrl, databaseName, inject('templateDatabase'));
    port = await freePort();
    child = spawn('npm', ['run', 'dev'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), LOG_LEVEL: 'info', AUTH_JWT_SECRET: TEST_JWT_SECRET },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => readyCount() === 1, 'the first start');
  }, 90_000);
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGINT');
      await exited;
    }
    await dropDatabase(maintenanceUrl, databaseName);
  });

  it('checks the Node version before it starts the server', () => {
    expect(output).toContain('check-node.mjs && tsx watch');
  });

  it('restarts the server when a source file changes, after a clean shutdown', async () => {
    const now = new Date();
    await utimes(fileURLToPath(new URL('../../src/main.ts', import.meta.url)), now, now);
    await waitFor(() => readyCount() === 2, 'the restart');
    const restart = output.slice(output.indexOf('Restarting'));
    expect(restart.indexOf('shutdown complete')).toBeGreaterThan(0);
    expect(restart.indexOf('shutdown complete')).toBeLessThan(restart.indexOf(READY));
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
  }, 60_000);
});
