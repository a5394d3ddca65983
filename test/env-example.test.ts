import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

describe('.env.example', () => {
  it('lists every environment variable the configuration reads', async () => {
    const config = await readFile(new URL('../src/config.ts', import.meta.url), 'utf8');
    const example = await readFile(new URL('../.env.example', import.meta.url), 'utf8');
    const read = new Set([...config.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]!));
    const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]!));
    expect(read.size).toBeGreaterThan(20);
    expect([...read].filter((name) => !listed.has(name))).toEqual([]);
  });
});
