import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { AuthConfig } from '../config.js';
import { invalidToken } from './auth.errors.js';

export interface VerifiedToken {
  subject: string;
  email?: string;
}

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

const CLOCK_TOLERANCE_SECONDS = 5;
const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256'];

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'it has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `its "${error.claim}" claim is not accepted`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not match';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not accepted';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no known key signed it';
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) return 'the key set cannot be read';
  return 'it cannot be verified';
}

function claimsOf(payload: JWTPayload): VerifiedToken {
  if (typeof payload.sub !== 'string' || payload.sub.trim() === '') throw invalidToken('it has no subject');
  const email = typeof payload.email === 'string' ? payload.email : undefined;
  return { subject: payload.sub, email };
}

/** Verifies HS256 tokens with the shared secret and RS256/ES256 tokens from the remote key set. */
export function createTokenVerifier(config: AuthConfig): TokenVerifier {
  const secret = config.jwtSecret ? new TextEncoder().encode(config.jwtSecret) : undefined;
  // jose caches the key set and refetches it when a token names a key it has not seen (rotation).
  const keySet: JWTVerifyGetKey | undefined = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 })
    : undefined;
  const claimChecks = {
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
  };

  return async (token) => {
    let algorithm: string | undefined;
    try {
      algorithm = decodeProtectedHeader(token).alg;
    } catch {
      throw invalidToken('it is malformed');
    }
    try {
      if (algorithm === 'HS256' && secret) {
        const { payload } = await jwtVerify(token, secret, { ...claimChecks, algorithms: ['HS256'] });
        return claimsOf(payload);
      }
      if (algorithm && ASYMMETRIC_ALGORITHMS.includes(algorithm) && keySet) {
        const { payload } = await jwtVerify(token, keySet, { ...claimChecks, algorithms: ASYMMETRIC_ALGORITHMS });
        return claimsOf(payload);
      }
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) throw invalidToken(describe(error));
      throw error;
    }
    throw invalidToken('its algorithm is not accepted');
  };
}
