import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export type AsymmetricAlgorithm = 'RS256' | 'ES256';

export interface KeySignOptions {
  /** null leaves the claim out. */
  email?: string | null;
  issuer?: string;
  audience?: string;
  /** Seconds since the epoch; defaults to an hour from now. */
  expiresAt?: number;
  notBefore?: number;
}

export interface TestSigningKey {
  kid: string;
  alg: AsymmetricAlgorithm;
  sign(subject: string, options?: KeySignOptions): Promise<string>;
}

export interface TestKeySet {
  /** Where the server fetches the set (an http URL on 127.0.0.1). */
  url: string;
  /** How many times the set has been fetched. */
  readonly fetches: number;
  /** A new key, published in the set at once unless `publish` is false. */
  addKey(alg: AsymmetricAlgorithm, options?: { publish?: boolean }): Promise<TestSigningKey>;
  publish(key: TestSigningKey): void;
  unpublish(key: TestSigningKey): void;
  /** While true, the set answers 503 as a provider in trouble would. */
  failing: boolean;
  close(): Promise<void>;
}

export const nowInSeconds = (): number => Math.floor(Date.now() / 1000);

/** A JSON Web Key Set served by the test itself, as an identity provider (Clerk) serves its own. */
export async function startKeySet(): Promise<TestKeySet> {
  const published = new Map<string, JWK>();
  const privateKeys = new Map<string, { key: TestSigningKey; publicJwk: JWK }>();
  let fetches = 0;
  const state = { failing: false };

  const server: Server = createServer((req, res) => {
    fetches += 1;
    if (state.failing) {
      res.writeHead(503).end();
      return;
    }
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [...published.values()] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const signWith = (privateKey: CryptoKey, kid: string, alg: AsymmetricAlgorithm) =>
    async (subject: string, options: KeySignOptions = {}): Promise<string> => {
      const claims: Record<string, unknown> = {};
      if (options.email !== null) claims.email = options.email ?? `${subject.toLowerCase()}@example.com`;
      let jwt = new SignJWT(claims)
        .setProtectedHeader({ alg, kid, typ: 'JWT' })
        .setSubject(subject)
        .setIssuedAt()
        .setExpirationTime(options.expiresAt ?? nowInSeconds() + 3600);
      if (options.notBefore !== undefined) jwt = jwt.setNotBefore(options.notBefore);
      if (options.issuer) jwt = jwt.setIssuer(options.issuer);
      if (options.audience) jwt = jwt.setAudience(options.audience);
      return await jwt.sign(privateKey);
    };

  const keySet: TestKeySet = {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    async addKey(alg, options = {}) {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const kid = `${alg.toLowerCase()}-${randomUUID()}`;
      const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
      const key: TestSigningKey = { kid, alg, sign: signWith(privateKey, kid, alg) };
      privateKeys.set(kid, { key, publicJwk });
      if (options.publish !== false) published.set(kid, publicJwk);
      return key;
    },
    publish(key) {
      const entry = privateKeys.get(key.kid);
      if (!entry) throw new Error(`unknown key ${key.kid}`);
      published.set(key.kid, entry.publicJwk);
    },
    unpublish(key) {
      published.delete(key.kid);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  return keySet;
}
