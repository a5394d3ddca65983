import { describe, expect, it } from 'vitest';
import { cachingVerifier } from '../../src/auth/token-cache.js';
import { createTokenVerifier, type TokenVerifier } from '../../src/auth/token.js';
import { AuthError } from '../../src/auth/auth.errors.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';

/** The real HS256 verifier, counting how often it actually runs. */
function countingVerifier(): { verify: TokenVerifier; calls: () => number } {
  const real = createTokenVerifier({ jwtSecret: TEST_JWT_SECRET, jwksCooldownMs: 30_000 });
  let calls = 0;
  return {
    verify: async (token) => {
      calls += 1;
      return await real(token);
    },
    calls: () => calls,
  };
}

describe('the cache of verified tokens', () => {
  it('verifies a token once and answers its repetitions from the cache', async () => {
    const { verify, calls } = countingVerifier();
    const cached = cachingVerifier(verify);
    const token = await signToken('cached_subject');
    for (let i = 0; i < 5; i++) expect((await cached(token)).subject).toBe('cached_subject');
    expect(calls()).toBe(1);
  });

  it('never keeps a token that fails: each retry is judged again', async () => {
    const { verify, calls } = countingVerifier();
    const cached = cachingVerifier(verify);
    const forged = await signToken('forged', { secret: 'another-secret-that-is-long-enough-for-hs256' });
    for (let i = 0; i < 3; i++) await expect(cached(forged)).rejects.toBeInstanceOf(AuthError);
    expect(calls()).toBe(3);
  });

  it('keeps a token no longer than its exp', async () => {
    const { verify, calls } = countingVerifier();
    let now = Date.now();
    const cached = cachingVerifier(verify, () => now);
    const token = await signToken('short_lived', { expiresIn: '60s' });
    await cached(token);
    now += 59_000;
    await cached(token);
    expect(calls()).toBe(1);
    now += 2_000;
    await cached(token);
    expect(calls()).toBe(2);
  });
});
