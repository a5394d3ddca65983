import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/shared/free-port.js';
import { slowRequest } from '../support/slow-request.js';


async function waitForReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output()}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server not ready in time:\n${output()}`);
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('the server process (npm start with the embedded database)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('finishes in-flight requests on SIGTERM to its process group (sent twice), stops the database and exits 0', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bestays-lifecycle-'));
    dirs.push(dataDir);
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/main.ts'], {
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = exitOf(child);
    const url = `http://127.0.0.1:${port}`;
    await waitForReady(url, child, () => output);

    const inFlight = slowRequest(url);
    await new Promise((r) => setTimeout(r, 100));
    process.kill(-child.pid!, 'SIGTERM');
    process.kill(-child.pid!, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const refused = await fetch(`${url}/healthz`).then(() => 'accepted', () => 'refused');
    inFlight.finish();
    const { status, body } = await inFlight.response;

    expect(await exited).toBe(0);
    expect(refused).toBe('refused');
    expect(status).toBe(200);
    expect(JSON.parse(body).errors).toBeUndefined();
    expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);
    expect(output).toContain('shutdown complete');
  }, 90_000);
});
