import { writeFile } from 'node:fs/promises';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { buildDeclaredSchema } from './schema.js';

export async function printSchema(): Promise<string> {
  return `${printSchemaWithDirectives(await buildDeclaredSchema())}\n`;
}

const invokedDirectly = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '');
if (invokedDirectly) {
  await writeFile(new URL('../../schema.graphql', import.meta.url), await printSchema());
  console.log('schema.graphql written');
}
