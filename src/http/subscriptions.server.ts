import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import { MessageType, type Context, type SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Orm } from '../db/orm.js';
import type { SqlReader } from '../db/sql-reader.js';
import type { Logger } from '../logger.js';
import type { TokenVerifier, VerifiedToken } from '../auth/token.js';
import type { Viewers } from '../auth/viewers.js';
import { bearerToken } from '../auth/bearer.js';
import { incomingOrigin } from './request-origin.js';
import { DomainError } from '../shared/domain-error.js';
import type { User } from '../users/user.entity.js';
import type { AuditFeed } from '../audit-log/audit-feed.js';
import type { FeedOperation } from '../audit-log/audit-feed.selection.js';
import type { FeedSocket } from '../audit-log/audit-feed.subscription.js';
import { createContext, type GraphQLContext } from '../graphql/context.js';
import { formatError } from '../graphql/errors.js';
import type { FeedMetrics } from './metrics.js';

export const SUBSCRIPTIONS_PATH = '/graphql';
/** graphql-ws's code for a connection refused for its credentials; clients do not retry it. */
export const UNAUTHENTICATED_CLOSE_CODE = 4401;
/** "Going away": the server is shutting down. */
export const SHUTDOWN_CLOSE_CODE = 1001;
/** "Policy violation": a consumer too slow for the feed, whose backlog would grow the server's memory. */
export const SLOW_CONSUMER_CLOSE_CODE = 1008;
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 10;
/** Bytes queued on a socket past which its reader is taken to have stopped reading. */
export const MAX_SEND_BUFFER_BYTES = 1024 * 1024;
/** How long a socket may stay open before connection_init (graphql-ws closes it with 4408). */
const CONNECTION_INIT_WAIT_MS = 3_000;
/** Keep-alive: a ping this often, and the socket is dropped if no pong comes back before the next. */
const KEEP_ALIVE_MS = 12_000;

export interface SubscriptionServerOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  feed: AuditFeed;
  metrics?: FeedMetrics;
  orm: Orm;
  sql: SqlReader;
  viewers: Viewers;
  verifyToken: TokenVerifier;
  logger: Logger;
  trustProxy: boolean;
  /** The HTTP endpoint's own document limits, so a socket admits no larger document. */
  validationRules: readonly ValidationRule[];
  maxTokens: number;
  /** SUBSCRIPTIONS_MAX: live subscriptions this process serves at most. */
  maxSubscriptions: number;
}

export interface SubscriptionServer {
  readonly openSockets: number;
  /**
   * Sends every entry committed before the call, then closes every socket with 1001 once what was
   * queued for it is sent; stragglers are cut at the grace period.
   */
  close(graceMs: number): Promise<void>;
}

/** Who a connection is, settled once at connection_init; each event re-reads the user behind the token. */
interface ConnectionIdentity {
  token: VerifiedToken;
  viewer: User;
}

type Extra = { socket: WebSocket; request: IncomingMessage; identity?: ConnectionIdentity };
type Connection = Context<Record<string, unknown>, Extra>;

/** A close reason is at most 123 bytes: the code always fits, the explanation where it does. */
function closeReason(code: string, message: string): string {
  const full = `${code}: ${message}`;
  return Buffer.byteLength(full) <= 123 ? full : code;
}

function limitError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } });
}

/** The code Apollo gives the same error over HTTP, unless the error carries its own (the document limits do). */
function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions.code !== undefined) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

/**
 * Ends a connection whose reader has fallen behind, so that its backlog stops growing here: its
 * subscriptions stop at once, and the close frame follows what was already handed to the socket.
 */
function disconnectSlowConsumer(ctx: Connection): void {
  ctx.extra.socket.close(SLOW_CONSUMER_CLOSE_CODE, 'Slow consumer: too many messages waiting to be sent');
  for (const subscription of Object.values(ctx.subscriptions)) {
    if (subscription && 'return' in subscription) void subscription.return?.(undefined);
  }
}

/** The HTTP endpoint's formatting; what it turns into INTERNAL_SERVER_ERROR is logged, as the HTTP error log does. */
function formattedErrors(errors: readonly GraphQLError[], logger: Logger, about: Record<string, unknown>): GraphQLFormattedError[] {
  return errors.map((error) => {
    const formatted = formatError(error.toJSON(), error);
    if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR') {
      logger.error({ err: error.originalError ?? error, ...about, path: error.path }, 'unexpected error in a subscription');
    }
    return formatted;
  });
}

/**
 * A subscription's `next` messages written straight to its socket, framed as graphql-ws frames
 * them: the feed serializes each entry's payload once for every subscriber that shares it, and
 * only the subscription id differs from one message to the next.
 */
function feedSocket(ctx: Connection, subscriptionId: string): FeedSocket {
  const socket = ctx.extra.socket;
  const head = `{"id":${JSON.stringify(subscriptionId)},"type":"${MessageType.Next}","payload":`;
  const holdWrites = writesHeldForTheTick(ctx.extra.request.socket);
  return {
    get backedUp() {
      return socket.bufferedAmount > MAX_SEND_BUFFER_BYTES;
    },
    sendNext(payload, sent) {
      if (socket.readyState !== socket.OPEN) return false;
      holdWrites();
      socket.send(`${head}${payload}}`, sent);
      return true;
    },
    disconnectSlowConsumer: () => disconnectSlowConsumer(ctx),
  };
}

const heldSockets = new WeakMap<Socket, () => void>();

/**
 * The feed hands an entry to every subscription of a socket in one go: the messages written until
 * the current tick ends leave in one system call (`writev`) instead of one each.
 */
function writesHeldForTheTick(socket: Socket): () => void {
  let hold = heldSockets.get(socket);
  if (!hold) {
    let held = false;
    const release = (): void => {
      held = false;
      socket.uncork();
    };
    hold = () => {
      if (held) return;
      held = true;
      socket.cork();
      process.nextTick(release);
    };
    heldSockets.set(socket, hold);
  }
  return hold;
}

/** The operation's identity and execution arguments, for subscribers that share it (see SharedSelection). */
function feedOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  payload: SubscribePayload,
  logger: Logger,
): FeedOperation {
  const { operationName, variables } = payload;
  return {
    key: `${operationName ?? ''}\n${JSON.stringify(variables ?? null)}\n${payload.query}`,
    schema,
    document,
    operationName,
    variableValues: variables,
    serialize: ({ errors, ...result }: ExecutionResult) =>
      JSON.stringify(errors ? { ...result, errors: formattedErrors(errors, logger, { operationName }) } : result),
  };
}

/**
 * `graphql-transport-ws` on the HTTP server's own port and path. The token comes in
 * connection_init's payload (`{"authorization": "Bearer <jwt>"}`) and is checked as the HTTP
 * endpoint checks its header; a connection without a valid one is closed with 4401 and a reason
 * that starts with UNAUTHENTICATED. Subscriptions run on graphql-js's own `subscribe`; queries and
 * mutations are the HTTP endpoint's.
 */
export function startSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { schema, feed, orm, sql, viewers, verifyToken, logger } = options;
  const sockets = new WebSocketServer({ server: options.httpServer, path: SUBSCRIPTIONS_PATH });
  const rules = [...specifiedRules, ...options.validationRules];

  const server = useServer<Record<string, unknown>, Extra>(
    {
      schema,
      connectionInitWaitTimeout: CONNECTION_INIT_WAIT_MS,
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        const token = bearerToken(typeof authorization === 'string' ? authorization : undefined);
        const socket = ctx.extra.socket;
        if (!token) {
          socket.close(UNAUTHENTICATED_CLOSE_CODE, closeReason('UNAUTHENTICATED', 'connection_init must carry "authorization": "Bearer <token>"'));
          return false;
        }
        try {
          const verified = await verifyToken(token);
          const viewer = await viewers.viewerFor(verified, incomingOrigin(ctx.extra.request, options.trustProxy));
          ctx.extra.identity = { token: verified, viewer };
          return true;
        } catch (error) {
          if (error instanceof DomainError) {
            socket.close(UNAUTHENTICATED_CLOSE_CODE, closeReason('UNAUTHENTICATED', error.message));
          } else {
            logger.error({ err: error }, 'identity lookup failed for a WebSocket connection');
            socket.close(4500, 'INTERNAL_SERVER_ERROR');
          }
          return false;
        }
      },
      onSubscribe: (ctx, id, payload) => {
        const identity = ctx.extra.identity;
        if (!identity) return [new GraphQLError('The connection is not initialised', { extensions: { code: 'UNAUTHENTICATED' } })];
        let document;
        try {
          document = parse(payload.query, { maxTokens: options.maxTokens });
        } catch (error) {
          const parseError = error instanceof GraphQLError ? error : new GraphQLError('The document could not be parsed');
          return [withCode(parseError, 'GRAPHQL_PARSE_FAILED')];
        }
        const errors = validate(schema, document, rules);
        if (errors.length > 0) return errors.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
        const operation = getOperationAST(document, payload.operationName);
        // The one being subscribed is already counted among the connection's.
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return [limitError(`A connection may hold at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions`)];
        }
        if (feed.subscriberCount >= options.maxSubscriptions) {
          return [limitError('This server holds as many subscriptions as it may (SUBSCRIPTIONS_MAX); try again later or elsewhere')];
        }
        if (operation?.operation !== 'subscription') {
          return [
            new GraphQLError('Only subscriptions are served over WebSockets; send queries and mutations to POST /graphql', {
              extensions: { code: 'BAD_REQUEST' },
            }),
          ];
        }
        const contextValue: GraphQLContext = createContext(
          {
            sql,
            viewer: identity.viewer,
            requestId: randomUUID(),
            logger,
            live: {
              feed,
              metrics: options.metrics,
              operation: feedOperation(schema, document, payload, logger),
              viewerKey: identity.token.subject,
              // Each entry reached this process through the listener, after every earlier change to users.
              currentViewer: () => viewers.currentViewer(identity.token, 'last-notification'),
              socket: feedSocket(ctx, id),
            },
          },
          () => orm.em.fork(),
        );
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      // Only what the feed does not send itself comes this way: refusals, and the errors of a subscribe.
      onNext: (_ctx, id, _payload, _args, result: ExecutionResult) =>
        result.errors ? { ...result, errors: formattedErrors(result.errors, logger, { subscriptionId: id }) } : undefined,
      onError: (_ctx, id, _payload, errors) => formattedErrors(errors, logger, { subscriptionId: id }),
    },
    sockets,
    KEEP_ALIVE_MS,
  );

  return {
    get openSockets() {
      return sockets.clients.size;
    },
    async close(graceMs) {
      const deadline = Date.now() + graceMs;
      // Every entry committed before now is handed to its sockets first (within the grace period).
      let flushing: NodeJS.Timeout | undefined;
      await Promise.race([feed.flush(), new Promise((resolve) => (flushing = setTimeout(resolve, graceMs)))]);
      clearTimeout(flushing);
      const open = [...sockets.clients];
      const closed = Promise.all(open.map((socket) => closedSocket(socket)));
      // ws sends the close frame after whatever is already queued on the socket.
      for (const socket of open) socket.close(SHUTDOWN_CLOSE_CODE, 'Server shutting down');
      const stragglers = setTimeout(() => open.forEach((socket) => socket.terminate()), Math.max(0, deadline - Date.now()));
      await closed;
      clearTimeout(stragglers);
      await server.dispose();
    },
  };
}

function closedSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === socket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
