import { DomainError } from '../shared/domain-error.js';

export type AuthErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN';

export class AuthError extends DomainError<AuthErrorCode> {
  override name = 'AuthError';
}

export const signInRequired = (): AuthError => new AuthError('UNAUTHENTICATED', 'You must be signed in to do this.');
export const invalidToken = (reason: string): AuthError =>
  new AuthError('UNAUTHENTICATED', `The bearer token is not valid: ${reason}.`);
/** Names only what would admit the caller: the role, and the owner only where the rule admits one. */
export const roleTooLow = (required: string, owner?: string): AuthError =>
  new AuthError(
    'FORBIDDEN',
    owner
      ? `This needs the ${required.toUpperCase()} role, or to be ${owner}.`
      : `This needs the ${required.toUpperCase()} role.`,
  );
