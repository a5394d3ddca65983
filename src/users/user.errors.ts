import { DomainError } from '../shared/domain-error.js';

export type UserErrorCode = 'INVALID_INPUT' | 'NOT_FOUND' | 'FORBIDDEN';

export class UserError extends DomainError<UserErrorCode> {
  override name = 'UserError';
}

export const malformedUserId = (argument = 'id'): UserError =>
  new UserError('INVALID_INPUT', `"${argument}" is not a user id (a positive integer).`, { argument });
export const userNotFound = (): UserError => new UserError('NOT_FOUND', 'No such user.');
export const systemUserIsFixed = (): UserError =>
  new UserError('FORBIDDEN', 'The system user acts for scripts and imports; its role cannot change.');
