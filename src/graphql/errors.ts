import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { DomainError, type DomainErrorCode } from '../shared/domain-error.js';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '../logger.js';
import type { GraphQLContext } from './context.js';
import { readableTokenLimitError } from './limits.js';
import { BATCHING_REFUSED_MESSAGE } from './limit-messages.js';

/** The contract's `extensions.code` values. */
export type ContractErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'INTERNAL_SERVER_ERROR';

export function contractCodeOf(code: DomainErrorCode): ContractErrorCode {
  switch (code) {
    case 'UNAUTHENTICATED':
      return 'UNAUTHENTICATED';
    case 'FORBIDDEN':
      return 'FORBIDDEN';
    case 'INVALID_INPUT':
      return 'BAD_USER_INPUT';
    case 'NOT_FOUND':
      return 'NOT_FOUND';
    default: {
      const unmapped: never = code;
      return unmapped;
    }
  }
}

/** Codes that Apollo Server and graphql-js assign themselves and whose messages are safe. */
const SAFE_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
]);

/**
 * The domain error behind a client-facing error: thrown by a resolver, or by a scalar's
 * parseLiteral during validation (which graphql-js wraps in a validation error).
 */
function domainErrorIn(error: unknown): DomainError | undefined {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) return original;
  if (original instanceof GraphQLError && original.originalError instanceof DomainError) return original.originalError;
  return undefined;
}

/** Whether an error is the client's (and its message safe to show) or a fault of ours. */
function isUnexpected(error: unknown, formattedCode: unknown): boolean {
  if (domainErrorIn(error)) return false;
  const original = unwrapResolverError(error);
  const code = typeof formattedCode === 'string' ? formattedCode : 'INTERNAL_SERVER_ERROR';
  return !SAFE_CODES.has(code) || (original instanceof Error && !(original instanceof GraphQLError));
}

/** Apollo's own wording where it leaves a client guessing what to do instead. */
function readableApolloMessage(message: string): string {
  return message === 'Operation batching disabled.' ? BATCHING_REFUSED_MESSAGE : message;
}

/**
 * Every error leaves through here: domain errors keep their message and get the contract code;
 * anything unexpected becomes a generic INTERNAL_SERVER_ERROR, so no SQL, stack or secret reaches
 * a client whatever NODE_ENV says. Logging is the error log plugin's job, which knows the request.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const base = { locations: formatted.locations, path: formatted.path };
  const domainError = domainErrorIn(error);
  if (domainError) {
    return {
      ...base,
      message: domainError.message,
      extensions: { code: contractCodeOf(domainError.code), ...(domainError.details ?? {}) },
    };
  }
  if (!isUnexpected(error, formatted.extensions?.code)) {
    const tokenLimit = readableTokenLimitError(formatted);
    if (tokenLimit) return tokenLimit;
    const { stacktrace: _stacktrace, exception: _exception, ...extensions } = formatted.extensions ?? {};
    return { ...base, message: readableApolloMessage(formatted.message), extensions };
  }
  return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** Logs each unexpected error once, with the request id that the response's `x-request-id` carries. */
export function errorLogPlugin(logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            const code = error.extensions?.code;
            if (!isUnexpected(error, code)) continue;
            logger.error(
              { err: unwrapResolverError(error), requestId: contextValue.requestId, operationName, path: error.path },
              'unexpected error while resolving a request',
            );
          }
        },
      };
    },
  };
}
