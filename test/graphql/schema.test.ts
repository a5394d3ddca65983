import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { printSchema } from '../../src/graphql/schema.print.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const committedSchema = new URL('schema.graphql', `file://${repoRoot}`);

describe('schema.graphql', () => {
  it('is what the code prints (run `npm run schema:print` after changing the schema)', async () => {
    expect(await readFile(committedSchema, 'utf8')).toBe(await printSchema());
  });
});
