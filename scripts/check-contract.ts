/**
 * Compares the schema the code prints with a contract schema given on the command line:
 * `npm run -s contract:check -- ../shared/contract/schema.graphql`. Exits 0 when nothing the
 * contract promises is broken, except the breaks listed in contract-pending.json, each named with
 * the open issue that delivers it; an entry there that no longer breaks anything fails too, so
 * the list never outlives its issue.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildSchema, isNonNullType, isObjectType, type GraphQLSchema } from 'graphql';
import { getDirective } from '@graphql-tools/utils';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { printSchema } from '../src/graphql/schema.print.js';

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

export interface ContractCheck {
  /** Breaks that contract-pending.json names, with the issue that delivers each. */
  pending: string[];
  unexpected: string[];
  /** Entries of the pending list that no longer break anything. */
  stale: string[];
}

export async function checkContract(
  contractSdl: string,
  ourSdl: string,
  pendingBreaks: Record<string, string>,
): Promise<ContractCheck> {
  const contract = buildSchema(contractSdl);
  const ours = buildSchema(ourSdl);
  const breaks = [
    ...(await diff(contract, ours))
      .filter((change) => change.criticality.level === CriticalityLevel.Breaking)
      .map((change) => change.message),
    ...contractRuleViolations(contract, ours),
  ];
  return {
    pending: breaks.filter((message) => message in pendingBreaks),
    unexpected: breaks.filter((message) => !(message in pendingBreaks)),
    stale: Object.keys(pendingBreaks).filter((message) => !breaks.includes(message)),
  };
}

async function main(): Promise<number> {
  const contractPath = process.argv[2];
  if (!contractPath || contractPath === '--help') {
    console.error('usage: npm run -s contract:check -- <path to the contract schema.graphql>');
    return contractPath ? 0 : 2;
  }
  const pendingBreaks = JSON.parse(
    await readFile(new URL('./contract-pending.json', import.meta.url), 'utf8'),
  ) as Record<string, string>;
  const result = await checkContract(await readFile(resolve(contractPath), 'utf8'), await printSchema(), pendingBreaks);
  for (const message of result.pending) console.log(`pending (${pendingBreaks[message]}): ${message}`);
  for (const message of result.unexpected) console.error(`breaks the contract: ${message}`);
  for (const message of result.stale) console.error(`contract-pending.json lists what no longer breaks: ${message}`);
  if (result.unexpected.length || result.stale.length) return 1;
  console.log(`schema.graphql keeps the contract in ${contractPath}`);
  return 0;
}

const invokedDirectly = process.argv[1]?.endsWith('check-contract.ts');
if (invokedDirectly) process.exitCode = await main();
