import { DomainError } from '../shared/domain-error.js';

/** Arguments that are wrong whatever the domain: page sizes, cursors, dates. */
export type InputErrorCode = 'INVALID_INPUT';

export class InputError extends DomainError<InputErrorCode> {
  override name = 'InputError';
}

export const pageSizeOutOfRange = (max: number): InputError =>
  new InputError('INVALID_INPUT', `"first" must be an integer from 0 to ${max}.`, { argument: 'first' });
export const malformedCursor = (): InputError =>
  new InputError('INVALID_INPUT', '"after" is not a cursor this list gave out.', { argument: 'after' });
export const malformedDateTime = (): InputError =>
  new InputError('INVALID_INPUT', 'A DateTime must be an ISO-8601 instant with a zone, e.g. 2026-11-24T21:00:00.000Z.');
