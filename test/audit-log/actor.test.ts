import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissingActorError } from '../../src/audit-log/actor.js';
import { runAsSystem } from '../../src/audit-log/system-actor.js';
import { Property } from '../../src/properties/property.entity.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signToken } from '../support/tokens.js';
import { countEntries, entriesOf } from './audit-support.js';

let subjects = 0;

/** Signs a new user in with the given headers; returns its id (its CREATE entry is written by that request). */
async function firstSignIn(server: TestServer, headers: Record<string, string>): Promise<string> {
  const subject = `actor_${process.pid}_${++subjects}`;
  const response = await server.gql<{ me: { id: string } }>('{ me { id } }', { token: await signToken(subject), headers });
  if (!response.data?.me) throw new Error(`sign-in failed: ${JSON.stringify(response.errors)}`);
  return response.data.me.id;
}

describe('the actor of an audit entry', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('is the signed-in user, with the socket address and the user agent of the request', async () => {
    const id = await firstSignIn(server, { 'user-agent': 'BestaysTest/1.0' });
    const [entry] = await entriesOf(server, 'user', id);
    expect(entry).toMatchObject({ performed_by: Number(id), ip_address: '127.0.0.1', user_agent: 'BestaysTest/1.0' });
  });

  it('ignores X-Forwarded-For when the server is not told to trust a proxy', async () => {
    const id = await firstSignIn(server, { 'x-forwarded-for': '203.0.113.7' });
    const [entry] = await entriesOf(server, 'user', id);
    expect(entry?.ip_address).toBe('127.0.0.1');
  });

  it('is the system user, with no address, outside a request', async () => {
    const id = await runAsSystem(server.server.orm, async (em) => {
      const property = em.create(Property, { title: 'Imported' });
      await em.flush();
      return property.id;
    });
    const [entry] = await entriesOf(server, 'property', id);
    const [system] = await server.sql(`select id from users where clerk_user_id = 'system_00000000000000000000'`);
    expect(entry).toMatchObject({ performed_by: system!.id, ip_address: null, user_agent: null });
  });

  it('must be in scope: a write with no actor fails loudly and writes nothing', async () => {
    const em = server.server.orm.em.fork();
    const before = await countEntries(server);
    em.create(Property, { id: '019abcde-0000-7000-8000-00000000a0a0', title: 'Anonymous write' });
    await expect(em.flush()).rejects.toBeInstanceOf(MissingActorError);
    expect(await countEntries(server)).toBe(before);
    expect(await server.sql(`select id from properties where id = '019abcde-0000-7000-8000-00000000a0a0'`)).toEqual([]);
  });
});

describe('the actor behind a trusted proxy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('takes the client address from X-Forwarded-For', async () => {
    const id = await firstSignIn(server, { 'x-forwarded-for': '203.0.113.7, 10.0.0.2' });
    const [entry] = await entriesOf(server, 'user', id);
    expect(entry?.ip_address).toBe('203.0.113.7');
  });
});
