import type { AuthConfig } from '../config.js';
import type { Logger } from '../logger.js';

/**
 * Without a secret or a key set every bearer token fails as UNAUTHENTICATED, which a newcomer
 * reads as a broken token rather than a server started without its configuration.
 */
export function noTokenAcceptedWarning(auth: AuthConfig): string | undefined {
  if (auth.jwtSecret || auth.jwksUrl) return undefined;
  return (
    'No bearer token can be accepted: neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set, so every request ' +
    'with a token fails as UNAUTHENTICATED and only anonymous reads work. Set AUTH_JWT_SECRET for ' +
    'development (tokens from `npm run token`) or AUTH_JWKS_URL for Clerk.'
  );
}

export function warnWhenNoTokenIsAccepted(auth: AuthConfig, logger: Logger): void {
  const warning = noTokenAcceptedWarning(auth);
  if (warning) logger.warn(warning);
}
