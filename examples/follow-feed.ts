/**
 * Follows the live audit feed with the generated `AuditFeedDocument`: what an admin dashboard does
 * instead of polling `auditLogs`. Run it against a server with
 * `BESTAYS_URL=http://127.0.0.1:4000 BESTAYS_TOKEN=<admin jwt> npx tsx examples/follow-feed.ts [entityType]`,
 * then change something (or run `npm run users:set-role`): each entry is printed as it commits.
 * The feed does not replay what was missed while disconnected: page `auditLogs` to catch up.
 */
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { AuditFeedDocument, type AuditFeedSubscription } from './generated/graphql.js';

/** `http://host:port` (or its /graphql endpoint) → `ws://host:port/graphql`. */
export function feedEndpoint(url: string): string {
  const trimmed = url.replace(/\/+$/, '').replace(/^http/, 'ws');
  return trimmed.endsWith('/graphql') ? trimmed : `${trimmed}/graphql`;
}

/** graphql-ws reports a refused connection as its close event (the server says why in its reason) and a refused subscription as its errors. */
function refusalOf(error: unknown): Error {
  if (error instanceof Error) return error;
  if (typeof error === 'object' && error !== null && 'code' in error && 'reason' in error) {
    return new Error(`the server closed the connection (${String(error.code)}): ${String(error.reason)}`);
  }
  return new Error(JSON.stringify(error));
}

/** Calls `onData` with each result of a typed subscription until it ends; resolves then, rejects on refusal. */
export function follow<Data, Variables extends Record<string, unknown>>(
  client: Client,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  onData: (data: Data) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    client.subscribe<Data>(
      { query: print(document), variables },
      {
        next: (result) => {
          if (result.errors?.length) reject(new Error(result.errors.map((error) => `${String(error.extensions?.code)}: ${error.message}`).join('; ')));
          else if (result.data) onData(result.data);
        },
        error: (error: unknown) => reject(refusalOf(error)),
        complete: resolve,
      },
    );
  });
}

async function main(): Promise<void> {
  const url = process.env.BESTAYS_URL ?? 'http://127.0.0.1:4000';
  const token = process.env.BESTAYS_TOKEN;
  const client = createClient({
    url: feedEndpoint(url),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
  const entityType = process.argv[2];
  console.log(`following ${feedEndpoint(url)}${entityType ? ` (${entityType} entries)` : ''}; Ctrl-C to stop`);
  await follow(client, AuditFeedDocument, { filter: entityType ? { entityType } : null }, (data: AuditFeedSubscription) => {
    const entry = data.auditLogAdded;
    console.log(`${entry.performedAt} ${entry.action} ${entry.entityType} ${entry.entityId} #${entry.seq} by ${entry.performedBy?.email ?? 'nobody'}`);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
