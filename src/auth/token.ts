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
  /** The `exp` claim, in seconds since the epoch. */
  expiresAt?: number;
}

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

const CLOCK_TOLERANCE_SECONDS = 5;
const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256'];

/**
 * The key set could not be fetched or read. Not the client's fault: reporting it as
 * UNAUTHENTICATED would sign every user out while the identity provider is down.
 */
export class KeySetUnavailableError extends Error {
  override name = 'KeySetUnavailableError';
  constructor(cause: unknown) {
    super('The JSON Web Key Set could not be fetched or read', { cause });
  }
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'it has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `its "${error.claim}" claim is not accepted`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not match';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not accepted';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no known key signed it';
  if (error instanceof joseErrors.JWKSMultipleMatchingKeys) return 'it names no single key';
  return 'it cannot be verified';
}

function claimsOf(payload: JWTPayload): VerifiedToken {
  if (typeof payload.sub !== 'string' || payload.sub.trim() === '') throw invalidToken('it has no subject');
  const email = typeof payload.email === 'string' ? payload.email : undefined;
  return { subject: payload.sub, email, expiresAt: payload.exp };
}

/**
 * An HS256 token is judged by the secret, which this server holds itself: it need not carry an
 * issuer or audience, but one that names another issuer or audience than the configured ones is
 * foreign all the same.
 */
function rejectForeignClaims(payload: JWTPayload, config: AuthConfig): void {
  if (config.issuer && payload.iss !== undefined && payload.iss !== config.issuer) {
    throw invalidToken('its "iss" claim is not accepted');
  }
  if (config.audience && payload.aud !== undefined) {
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.includes(config.audience)) throw invalidToken('its "aud" claim is not accepted');
  }
}

/** Errors that say something about the token (its key is unknown or unusable), not about the key set's availability. */
function isTokenKeyError(error: unknown): boolean {
  return (
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys ||
    error instanceof joseErrors.JOSENotSupported
  );
}

function remoteKeySet(config: AuthConfig & { jwksUrl: string }): JWTVerifyGetKey {
  // jose caches the set and refetches it when a token names a key it has not seen (rotation),
  // at most once per cooldown so that tokens with made-up key ids cannot flood the provider.
  const keySet = createRemoteJWKSet(new URL(config.jwksUrl), {
    cooldownDuration: config.jwksCooldownMs,
    cacheMaxAge: 10 * 60_000,
    timeoutDuration: 5_000,
  });
  return async (header, token) => {
    try {
      return await keySet(header, token);
    } catch (error) {
      if (isTokenKeyError(error)) throw error;
      throw new KeySetUnavailableError(error);
    }
  };
}

/**
 * Verifies HS256 tokens with the shared secret, and RS256/ES256 tokens from the remote key set,
 * which must carry the configured issuer and audience (they describe the key set's provider).
 */
export function createTokenVerifier(config: AuthConfig): TokenVerifier {
  const secret = config.jwtSecret ? new TextEncoder().encode(config.jwtSecret) : undefined;
  const keySet = config.jwksUrl ? remoteKeySet({ ...config, jwksUrl: config.jwksUrl }) : undefined;

  return async (token) => {
    let algorithm: string | undefined;
    try {
      algorithm = decodeProtectedHeader(token).alg;
    } catch {
      throw invalidToken('it is malformed');
    }
    try {
      if (algorithm === 'HS256' && secret) {
        const { payload } = await jwtVerify(token, secret, {
          algorithms: ['HS256'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        });
        rejectForeignClaims(payload, config);
        return claimsOf(payload);
      }
      if (algorithm && ASYMMETRIC_ALGORITHMS.includes(algorithm) && keySet) {
        const { payload } = await jwtVerify(token, keySet, {
          algorithms: ASYMMETRIC_ALGORITHMS,
          issuer: config.issuer,
          audience: config.audience,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        });
        return claimsOf(payload);
      }
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) throw invalidToken(describe(error));
      throw error;
    }
    throw invalidToken('its algorithm is not accepted');
  };
}
