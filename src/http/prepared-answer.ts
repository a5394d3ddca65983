import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLContext } from '../graphql/context.js';
import type { PreparedQueries, PreparedQuery } from '../graphql/prepared-queries.js';
import { containsNul } from '../graphql/nul-characters.js';

/** A request for a prepared query, with what running it needs. */
export interface PreparedRequest {
  prepared: PreparedQuery;
  variables: Record<string, unknown>;
}

/** Counts an answer as Apollo's metrics plugin counts the others. */
export type RecordAnswer = (operationName: string | undefined, failed: boolean, startedNs: bigint) => void;

/** Accept headers for which Apollo answers `application/json; charset=utf-8`; others are Apollo's to negotiate. */
const PLAIN_ACCEPT = new Set([undefined, '*/*', 'application/json']);
const RESPONSE_TYPE = 'application/json; charset=utf-8';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The prepared query a JSON body asks for, when nothing in the request needs Apollo's own
 * handling: another Accept to negotiate, `extensions` (persisted queries), malformed fields, or
 * variables carrying a NUL character (refused by Apollo's pipeline, with its message).
 */
export function preparedRequestOf(req: IncomingMessage, body: unknown, preparedQueries: PreparedQueries): PreparedRequest | undefined {
  if (!PLAIN_ACCEPT.has(req.headers.accept) || !isPlainObject(body)) return undefined;
  const { query, operationName, variables, extensions } = body;
  if (typeof query !== 'string' || extensions !== undefined) return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  if (variables !== undefined && variables !== null && !isPlainObject(variables)) return undefined;
  if (variables && containsNul(variables)) return undefined;
  const prepared = preparedQueries.find(query, operationName ?? undefined);
  return prepared && { prepared, variables: variables ?? {} };
}

/**
 * Runs a prepared query and answers it as Apollo would: `{"data":…}` and a newline. False, with
 * nothing sent, when the run ended in errors: Apollo then runs the query again (a query changes
 * nothing) and formats, logs and counts the errors as it does for every other request.
 */
export async function answerPrepared(
  res: ServerResponse,
  request: PreparedRequest,
  context: GraphQLContext,
  recordAnswer: RecordAnswer,
): Promise<boolean> {
  const started = process.hrtime.bigint();
  const { compiled, operationName } = request.prepared;
  context.isQuery = true;
  context.operationName = operationName;
  const result = await compiled.query(undefined, context, request.variables);
  if (result.errors?.length) return false;
  res.statusCode = 200;
  res.setHeader('content-type', RESPONSE_TYPE);
  res.end(`${JSON.stringify({ data: result.data })}\n`);
  recordAnswer(operationName, false, started);
  return true;
}
