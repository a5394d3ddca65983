import { describe, expect, it } from 'vitest';
import { checkContract } from '../../scripts/check-contract.js';
import { printSchema } from '../../src/graphql/schema.print.js';

/** The check `.ci/run` makes against the shared contract, proven here on contracts derived from our own schema. */
describe('the contract check', () => {
  it('passes a contract equal to the schema the code prints', async () => {
    const ours = await printSchema();
    expect(await checkContract(ours, ours, {})).toEqual({ pending: [], unexpected: [], stale: [] });
  });

  it('reports a field the contract has and the schema lacks', async () => {
    const ours = await printSchema();
    const contract = ours.replace('type Query {', 'type Query {\n  promised: Int');
    const result = await checkContract(contract, ours, {});
    expect(result.unexpected).toEqual(["Field 'promised' was removed from object type 'Query'"]);
  });

  it('reports an @auth rule that differs from the contract', async () => {
    const ours = await printSchema();
    const contract = ours.replace('me: User @auth(requires: USER)', 'me: User @auth(requires: ADMIN)');
    expect(contract).not.toBe(ours);
    const result = await checkContract(contract, ours, {});
    expect(result.unexpected).toHaveLength(1);
    expect(result.unexpected[0]).toMatch(/^Query\.me has @auth/);
  });

  it('accepts a break named in the pending list, and flags a pending entry that breaks nothing', async () => {
    const ours = await printSchema();
    const contract = ours.replace('type Query {', 'type Query {\n  promised: Int');
    const message = "Field 'promised' was removed from object type 'Query'";
    expect(await checkContract(contract, ours, { [message]: 'issue 1' })).toEqual({ pending: [message], unexpected: [], stale: [] });
    expect((await checkContract(ours, ours, { [message]: 'issue 1' })).stale).toEqual([message]);
  });
});
