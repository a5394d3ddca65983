import { LRUCache } from 'lru-cache';
import type { TokenVerifier, VerifiedToken } from './token.js';

const MAX_TOKENS = 10_000;
/** A token without `exp` is re-verified at least this often. */
const LONGEST_KEPT_MS = 10 * 60_000;

/**
 * Verified tokens by their whole text: verifying a signature costs far more than the rest of a
 * listing. An entry lives no longer than its token's `exp`; a token that fails verification is
 * never kept, so every retry of a bad token is judged again.
 */
export function cachingVerifier(verify: TokenVerifier, now: () => number = Date.now): TokenVerifier {
  const verified = new LRUCache<string, VerifiedToken>({ max: MAX_TOKENS, perf: { now }, ttlResolution: 0 });
  return async (token) => {
    const known = verified.get(token);
    if (known) return known;
    const claims = await verify(token);
    const ttl = claims.expiresAt === undefined ? LONGEST_KEPT_MS : Math.min(claims.expiresAt * 1000 - now(), LONGEST_KEPT_MS);
    if (ttl > 0) verified.set(token, claims, { ttl });
    return claims;
  };
}
