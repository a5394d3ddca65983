import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { databaseUrl, dropDatabase, uniqueDatabaseName, withClient } from '../support/databases.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function run(script: string, url: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return await new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', script, ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run bench:seed, a privileged bulk loader', () => {
  const maintenanceUrl = inject('maintenanceUrl');
  const name = uniqueDatabaseName('bestays_seeded');
  const url = databaseUrl(maintenanceUrl, name);
  afterAll(async () => {
    await dropDatabase(maintenanceUrl, name);
  });

  it('leaves chains that audit:verify accepts', async () => {
    const seeded = await run('bench/seed.ts', url, '--users', '20', '--properties', '50', '--audit', '400');
    expect(seeded.stderr).toBe('');
    expect(seeded.code).toBe(0);
    const [counts] = await withClient(url, async (client) =>
      (await client.query<{ entries: number; heads: number; max_seq: number }>(
        'select (select count(*)::int from audit_log) as entries, (select count(*)::int from audit_log_head) as heads, (select max(seq) from audit_log) as max_seq',
      )).rows,
    );
    expect(counts).toEqual({ entries: 400, heads: 50, max_seq: 8 });
    const verified = await run('src/audit-log/audit-verify.cli.ts', url);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('50 chain(s), 400 entries');
  });
});
