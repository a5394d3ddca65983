import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildSchema, isNonNullType, isObjectType, type GraphQLSchema } from 'graphql';
import { getDirective } from '@graphql-tools/utils';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { describe, expect, it } from 'vitest';
import { printSchema } from '../../src/graphql/schema.print.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const committedSchema = new URL('schema.graphql', `file://${repoRoot}`);
/** CI clones the repository beside a copy of shared/, as on a developer's machine. */
const contractSchema = fileURLToPath(new URL('../shared/contract/schema.graphql', `file://${repoRoot}`));

async function readContract(): Promise<GraphQLSchema> {
  if (!existsSync(contractSchema)) {
    throw new Error(`The contract is missing: expected it at ${contractSchema} (shared/ beside the repository).`);
  }
  return buildSchema(await readFile(contractSchema, 'utf8'));
}

/** Rules the contract states that graphql-inspector rates below breaking: @auth kept as written, nullable results kept nullable. */
function contractRuleViolations(contract: GraphQLSchema, ours: GraphQLSchema): string[] {
  const violations: string[] = [];
  for (const type of Object.values(contract.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const ourType = ours.getType(type.name);
    if (!isObjectType(ourType)) continue;
    for (const field of Object.values(type.getFields())) {
      const ourField = ourType.getFields()[field.name];
      if (!ourField) continue;
      const where = `${type.name}.${field.name}`;
      if (!isNonNullType(field.type) && isNonNullType(ourField.type)) violations.push(`${where} became non-null`);
      const rule = JSON.stringify(getDirective(contract, field, 'auth') ?? []);
      const ourRule = JSON.stringify(getDirective(ours, ourField, 'auth') ?? []);
      if (rule !== ourRule) violations.push(`${where} has @auth ${ourRule}, the contract ${rule}`);
    }
  }
  return violations;
}

describe('schema.graphql', () => {
  it('is what the code prints (run `npm run schema:print` after changing the schema)', async () => {
    expect(await readFile(committedSchema, 'utf8')).toBe(await printSchema());
  });

  it('has no breaking change against the contract in ../shared/contract/schema.graphql', async () => {
    const contract = await readContract();
    const ours = buildSchema(await printSchema());
    const breaking = (await diff(contract, ours))
      .filter((change) => change.criticality.level === CriticalityLevel.Breaking)
      .map((change) => change.message);
    expect(breaking).toEqual([]);
  });

  it('keeps every @auth rule of the contract and every nullable result nullable', async () => {
    expect(contractRuleViolations(await readContract(), buildSchema(await printSchema()))).toEqual([]);
  });
});
