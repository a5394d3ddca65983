/**
 * The one kind of error a service throws on purpose. Each domain narrows `code` to its own closed
 * set; `graphql/errors.ts` maps every code to the contract's `extensions.code`.
 */
export type DomainErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'INVALID_INPUT'
  | 'NOT_FOUND';

export class DomainError<Code extends DomainErrorCode = DomainErrorCode> extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: Code,
    message: string,
    /** Safe to show: which argument was wrong, and similar. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
