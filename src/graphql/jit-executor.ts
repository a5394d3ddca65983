import { execute, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import { LRUCache } from 'lru-cache';
import type { PreparedQueries } from './prepared-queries.js';

const MAX_COMPILED = 1_000;

type Gateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type Executor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;

/** What graphql-jit reports: its own error type, with graphql-js's fields. */
interface JitError {
  message: string;
  locations?: readonly { line: number; column: number }[];
  path?: readonly (string | number)[];
  originalError?: Error;
  extensions?: Record<string, unknown>;
}

/**
 * graphql-jit's errors as graphql-js's GraphQLError, so that Apollo's formatting and our
 * `formatError` treat them exactly as errors of graphql-js's own executor. A result without data
 * is a request error (variables that do not coerce), which Apollo reports as BAD_USER_INPUT.
 */
function asGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  const requestError = !('data' in result) || result.data === undefined;
  const errors = (result.errors as readonly JitError[]).map((error) => {
    const rebuilt = new GraphQLError(error.message, {
      path: error.path,
      originalError: error.originalError,
      extensions: requestError ? { code: 'BAD_USER_INPUT', ...error.extensions } : error.extensions,
    });
    return Object.assign(rebuilt, { locations: error.locations });
  });
  return { ...result, errors };
}

/**
 * Executes operations with graphql-jit, which compiles each distinct document once into a plain
 * function, through Apollo Server's gateway hook (its one seam for another executor). Apollo still
 * parses, validates (the document limits included), runs every plugin and formats every error.
 */
export function compiledExecution(schema: GraphQLSchema, preparedQueries?: PreparedQueries): Gateway {
  // Keyed by the document's hash (Apollo's, of its text) and the operation chosen in it.
  const compiled = new LRUCache<string, CompiledQuery | ExecutionResult>({ max: MAX_COMPILED });
  const compile = (queryHash: string, document: DocumentNode, operationName: string | undefined): CompiledQuery | ExecutionResult => {
    const key = `${queryHash}:${operationName ?? ''}`;
    let query = compiled.get(key);
    if (!query) {
      query = compileQuery(schema, document, operationName);
      compiled.set(key, query);
    }
    return query;
  };
  const executor: Executor = async (requestContext) => {
    // Apollo executes even when no operation matched the request's operation name, to report it;
    // graphql-jit compiles such a document into a query that runs nothing, so graphql-js says why.
    const operation = requestContext.operation as typeof requestContext.operation | undefined;
    if (!operation) {
      const { document, context, request } = requestContext;
      return execute({ schema, document, contextValue: context, operationName: request.operationName, variableValues: request.variables });
    }
    const query = compile(requestContext.queryHash, requestContext.document, requestContext.operationName ?? undefined);
    if (!isCompiledQuery(query)) return asGraphQLErrors(query);
    if (preparedQueries && operation.operation === 'query') {
      preparedQueries.remember(requestContext.source, requestContext.request.operationName ?? undefined, {
        compiled: query,
        operationName: requestContext.operationName ?? undefined,
      });
    }
    const result = await query.query(undefined, requestContext.context, requestContext.request.variables ?? {});
    return asGraphQLErrors(result);
  };
  return {
    async load() {
      return { schema, executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async stop() {},
  };
}
