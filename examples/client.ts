/**
 * A small typed client over the generated documents: what a frontend or dashboard does with
 * `npm run codegen`. `npm run codegen:check` type-checks it, so a schema change that breaks one of
 * these reads fails there. Run it against a server with
 * `BESTAYS_URL=http://127.0.0.1:4000 BESTAYS_TOKEN=<jwt> npx tsx examples/client.ts`.
 *
 * BESTAYS_URL: the server's base URL (default http://127.0.0.1:4000; a URL ending in /graphql is
 * taken as the endpoint itself). BESTAYS_TOKEN: a bearer token (optional; without it the client is
 * anonymous). When a request fails, the error names the URL it went to.
 */
import { print, type GraphQLFormattedError } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  AuditLogPageDocument,
  CreatePropertyDocument,
  MeDocument,
  PropertyDetailDocument,
  PropertyListDocument,
  PublishPropertyDocument,
  type AuditEntryFragment,
  type AuditLogFilter,
  type PropertyCardFragment,
  type PropertyListQueryVariables,
} from './generated/graphql.js';

export interface GraphQLResult<Data> {
  data?: Data | null;
  errors?: readonly GraphQLFormattedError[];
}

export class GraphQLRequestError extends Error {
  override name = 'GraphQLRequestError';
  constructor(readonly errors: readonly GraphQLFormattedError[]) {
    super(errors.map((error) => `${String(error.extensions?.code ?? 'ERROR')}: ${error.message}`).join('; '));
  }
}

/** The server did not answer with a GraphQL response: unreachable, or not a GraphQL endpoint. */
export class GraphQLTransportError extends Error {
  override name = 'GraphQLTransportError';
}

/** Accepts the server's base URL or its /graphql endpoint. */
export function graphqlEndpoint(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/graphql') ? trimmed : `${trimmed}/graphql`;
}

function isGraphQLResult(body: unknown): body is GraphQLResult<unknown> {
  return typeof body === 'object' && body !== null && ('data' in body || 'errors' in body);
}

/** Operations without variables take none; the others require theirs, typed by the document. */
type VariablesArgument<Variables> = Record<string, never> extends Variables ? [variables?: Variables] : [variables: Variables];

export function createClient(url: string, token?: string) {
  const endpoint = graphqlEndpoint(url);
  async function execute<Data, Variables>(
    document: TypedDocumentNode<Data, Variables>,
    ...[variables]: VariablesArgument<Variables>
  ): Promise<GraphQLResult<Data>> {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: print(document), variables }),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new GraphQLTransportError(`POST ${endpoint} failed: ${cause} (is the server running? set BESTAYS_URL to its address)`);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!isGraphQLResult(body)) {
      throw new GraphQLTransportError(`POST ${endpoint} answered ${response.status} without a GraphQL response: is BESTAYS_URL the API's address?`);
    }
    return body as GraphQLResult<Data>;
  }

  /** The data, or a thrown error when any part of the operation failed. */
  async function request<Data, Variables>(
    document: TypedDocumentNode<Data, Variables>,
    ...variables: VariablesArgument<Variables>
  ): Promise<Data> {
    const result = await execute(document, ...variables);
    if (result.errors?.length || !result.data) throw new GraphQLRequestError(result.errors ?? []);
    return result.data;
  }

  return { execute, request };
}

type Client = ReturnType<typeof createClient>;

/** The listing page: one page of published properties matching a search. */
export async function listingPage(client: Client, search: string, after?: string): Promise<{ cards: PropertyCardFragment[]; next?: string }> {
  const variables: PropertyListQueryVariables = {
    filter: { isPublished: true, search },
    orderBy: { field: 'CREATED_AT', direction: 'DESC' },
    first: 20,
    after,
  };
  const { properties } = await client.request(PropertyListDocument, variables);
  return { cards: properties.nodes, next: properties.pageInfo.hasNextPage ? (properties.pageInfo.endCursor ?? undefined) : undefined };
}

/** A property's page for its owner or an admin: the trail is null (with a FORBIDDEN error) for anyone else. */
export async function propertyWithTrail(client: Client, id: string): Promise<{ title: string; trail: AuditEntryFragment[] } | null> {
  const { data } = await client.execute(PropertyDetailDocument, { id, trailFirst: 10 });
  if (!data?.property) return null;
  return { title: data.property.title, trail: data.property.auditTrail?.nodes ?? [] };
}

/** The audit filter page, walked to the end with its cursors. */
export async function* auditEntries(client: Client, filter: AuditLogFilter): AsyncGenerator<AuditEntryFragment> {
  let after: string | undefined;
  do {
    const { auditLogs } = await client.request(AuditLogPageDocument, { filter, first: 100, after });
    if (!auditLogs) return;
    for (const edge of auditLogs.edges) yield edge.node;
    after = auditLogs.pageInfo.hasNextPage ? (auditLogs.pageInfo.endCursor ?? undefined) : undefined;
  } while (after);
}

/** An agent's editor: create a draft, then publish it. */
export async function createAndPublish(client: Client, title: string): Promise<PropertyCardFragment> {
  const { createProperty } = await client.request(CreatePropertyDocument, { input: { title, description: 'Created by examples/client.ts' } });
  const { publishProperty } = await client.request(PublishPropertyDocument, { id: createProperty.id });
  return publishProperty;
}

// Compile-time checks that the generated types are real, not `any`: each line below must fail to type-check.
// @ts-expect-error -- `title` is required by CreatePropertyInput
void (() => createClient('').request(CreatePropertyDocument, { input: {} }));
// @ts-expect-error -- actions take AuditAction values only
void (() => createClient('').request(AuditLogPageDocument, { filter: { actions: ['RENAME'] } }));
// @ts-expect-error -- `me` has no `title`
void (async () => (await createClient('').request(MeDocument)).me?.title);

async function main(): Promise<void> {
  const client = createClient(process.env.BESTAYS_URL || 'http://127.0.0.1:4000', process.env.BESTAYS_TOKEN || undefined);
  const { data, errors } = await client.execute(MeDocument);
  console.log('me:', data?.me ?? errors?.[0]?.message);
  const { cards } = await listingPage(client, '');
  console.log(`published properties on the first page: ${cards.length}`);
  for (const card of cards.slice(0, 5)) console.log(`  ${card.id}  ${card.title}`);
  if (data?.me?.role === 'ADMIN') {
    let count = 0;
    for await (const entry of auditEntries(client, { entityType: 'property' })) {
      if (count++ < 5) console.log(`  ${entry.performedAt}  ${entry.action}  ${entry.entityType} ${entry.entityId}`);
    }
    console.log(`property audit entries: ${count}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
