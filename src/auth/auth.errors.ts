import { DomainError } from '../shared/domain-error.js';

export type AuthErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN';

export class AuthError extends DomainError<AuthErrorCode> {
  override name = 'AuthError';
}

export const signInRequired = (): AuthError => new AuthError('UNAUTHENTICATED', 'You must be signed in to do this.');
export const invalidToken = (reason: string): AuthError =>
  new AuthError('UNAUTHENTICATED', `The bearer token is not valid: ${reason}.`);
export const roleTooLow = (required: string): AuthError =>
  new AuthError('FORBIDDEN', `This needs the ${required.toUpperCase()} role or ownership.`);
