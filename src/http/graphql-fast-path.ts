import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { RequestOrigin } from '../auth/identity.js';
import { runAsActor } from '../audit-log/actor.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { PreparedQueries } from '../graphql/prepared-queries.js';
import type { Logger } from '../logger.js';
import type { User } from '../users/user.entity.js';
import { incomingOrigin } from './request-origin.js';
import { requestIdFor } from './request-id.js';
import { logRequest } from './request-log.js';
import { answerPrepared, preparedRequestOf, type RecordAnswer } from './prepared-answer.js';

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
  recordAnswer: RecordAnswer;
}

const ENDPOINT = '/graphql';
const JSON_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

/**
 * The plain JSON POST to /graphql that nearly every client sends, served straight from node's
 * HTTP server to Apollo, without express's per-request setup, routing and body parsing (a tenth
 * of a listing's CPU); a query Apollo has accepted before is run without Apollo's pipeline too.
 * Anything else — browsers (an Origin, CORS), other paths, GET, other content types, bodies of
 * unknown or excessive length — is left to the express app, whose answers this path gives word
 * for word where it answers itself.
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
    const preparedRequest = preparedRequestOf(req, body, options.preparedQueries);
    if (preparedRequest) {
      const context = options.contextFor(caller.viewer, requestId);
      if (await answerPrepared(res, preparedRequest, context, options.recordAnswer)) return context;
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
