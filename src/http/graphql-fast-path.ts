import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { RequestOrigin } from '../auth/identity.js';
import { runAsActor } from '../audit-log/actor.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { PreparedQueries, PreparedQuery } from '../graphql/prepared-queries.js';
import { containsNul } from '../graphql/nul-characters.js';
import type { Logger } from '../logger.js';
import type { User } from '../users/user.entity.js';
import { incomingOrigin } from './request-origin.js';
import { requestIdFor } from './request-id.js';
import { logRequest } from './request-log.js';

/** The caller of a request, or the HTTP answer that refuses it (a bad token, a failed lookup). */
export type Caller = { viewer: User | null } | { refusal: { status: number; code: string; message: string } };

export interface FastPathOptions {
  apollo: ApolloServer<GraphQLContext>;
  identifyCaller: (authorization: string | undefined, origin: RequestOrigin, requestId: string) => Promise<Caller>;
  contextFor: (viewer: User | null, requestId: string) => GraphQLContext;
  bodyLimitBytes: number;
  trustProxy: boolean;
  logger: Logger;
  /** Queries Apollo has already accepted: answered again without its pipeline. */
  preparedQueries: PreparedQueries;
  /** Counts a request answered here as Apollo's metrics plugin counts the others. */
  recordAnswer: (operationName: string | undefined, failed: boolean, startedNs: bigint) => void;
}

/** A request for a prepared query, with what running it needs. */
interface PreparedRequest {
  prepared: PreparedQuery;
  variables: Record<string, unknown>;
}

const ENDPOINT = '/graphql';
const JSON_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;
/** Accept headers for which Apollo answers `application/json; charset=utf-8`; others are Apollo's to negotiate. */
const PLAIN_ACCEPT = new Set([undefined, '*/*', 'application/json']);
const RESPONSE_TYPE = 'application/json; charset=utf-8';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The plain JSON POST to /graphql that nearly every client sends, served straight from node's
 * HTTP server to Apollo, without express's per-request setup, routing and body parsing (a tenth
 * of a listing's CPU). Anything else — browsers (an Origin, CORS), other paths, GET, other
 * content types, bodies of unknown or excessive length — is left to the express app, whose
 * answers this path gives word for word where it answers itself.
 */
export function graphqlFastPath(options: FastPathOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { apollo, logger } = options;
  const logging = logger.isLevelEnabled('info');

  function eligible(req: IncomingMessage): boolean {
    const { headers } = req;
    const length = Number(headers['content-length']);
    return (
      req.method === 'POST' &&
      req.url === ENDPOINT &&
      headers.origin === undefined &&
      headers['transfer-encoding'] === undefined &&
      length > 0 &&
      length <= options.bodyLimitBytes &&
      JSON_TYPE.test(headers['content-type'] ?? '')
    );
  }

  function send(res: ServerResponse, status: number, body: string): void {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(body);
  }

  function sendError(res: ServerResponse, status: number, code: string, message: string): void {
    send(res, status, JSON.stringify({ errors: [{ message, extensions: { code } }] }));
  }

  /** As express.json() reads it: an object or an array, else not valid JSON. */
  async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const first = text.trimStart()[0];
    if (first !== '{' && first !== '[') throw new SyntaxError('not an object or an array');
    return JSON.parse(text);
  }

  /** The prepared query a body asks for, when nothing in it needs Apollo's own handling. */
  function preparedRequestOf(req: IncomingMessage, body: unknown): PreparedRequest | undefined {
    if (!PLAIN_ACCEPT.has(req.headers.accept) || !isPlainObject(body)) return undefined;
    const { query, operationName, variables, extensions } = body;
    if (typeof query !== 'string' || extensions !== undefined) return undefined;
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
    if (variables !== undefined && variables !== null && !isPlainObject(variables)) return undefined;
    if (variables && containsNul(variables)) return undefined;
    const prepared = options.preparedQueries.find(query, operationName ?? undefined);
    return prepared && { prepared, variables: variables ?? {} };
  }

  /** Runs a prepared query; false when it ended in errors, which Apollo then formats and reports. */
  async function answerPrepared(res: ServerResponse, request: PreparedRequest, context: GraphQLContext): Promise<boolean> {
    const started = process.hrtime.bigint();
    const { compiled, operationName } = request.prepared;
    context.isQuery = true;
    context.operationName = operationName;
    const result = await compiled.query(undefined, context, request.variables);
    if (result.errors?.length) return false;
    res.statusCode = 200;
    res.setHeader('content-type', RESPONSE_TYPE);
    res.end(`${JSON.stringify({ data: result.data })}\n`);
    options.recordAnswer(operationName, false, started);
    return true;
  }

  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<GraphQLContext | undefined> {
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      sendError(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON.');
      return undefined;
    }
    const origin = incomingOrigin(req, options.trustProxy);
    const caller = await options.identifyCaller(req.headers.authorization, origin, requestId);
    if ('refusal' in caller) {
      sendError(res, caller.refusal.status, caller.refusal.code, caller.refusal.message);
      return undefined;
    }
    const preparedRequest = preparedRequestOf(req, body);
    if (preparedRequest) {
      const context = options.contextFor(caller.viewer, requestId);
      if (await answerPrepared(res, preparedRequest, context)) return context;
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const context = options.contextFor(caller.viewer, requestId);
    const execute = () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: 'POST', headers, search: '', body },
        context: async () => context,
      });
    const response = caller.viewer ? await runAsActor({ performerId: caller.viewer.id, ...origin }, execute) : await execute();
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
    } else {
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
    return context;
  }

  return (req, res) => {
    if (!eligible(req)) return false;
    const started = logging ? process.hrtime.bigint() : 0n;
    const requestId = requestIdFor(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    // Express's CORS layer says the same on every answer: it depends on the Origin.
    res.setHeader('vary', 'Origin');
    void serve(req, res, requestId)
      .catch((error: unknown) => {
        logger.error({ err: error, requestId }, 'unhandled HTTP error');
        if (!res.headersSent) sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
        else res.destroy();
        return undefined;
      })
      .then((context) => {
        if (!logging) return;
        logRequest(logger, {
          requestId,
          method: 'POST',
          path: ENDPOINT,
          operationName: context?.operationName,
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        });
      });
    return true;
  };
}
