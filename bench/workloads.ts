import { randomBytes } from 'node:crypto';

/** One HTTP request of a workload, for either side. */
export interface BenchRequest {
  path: string;
  body: string;
}

/** The ids and positions a run draws its requests from, fixed before anything is measured. */
export interface WorkloadInputs {
  propertyIds: readonly string[];
  from: string;
  to: string;
  /** `after` of page 200 of W3, as each side's own (opaque) cursor. */
  serverPage200After?: string;
  baselinePage200After?: string;
}

export interface Workload {
  key: string;
  label: string;
  /** Sent without an Authorization header, as a visitor's browser would. */
  anonymous?: boolean;
  /** A read: its latency tail is held to issue 12's p99 / p50 bound. */
  read: boolean;
  /** Issue 12's floor for the server's req/s over the baseline's in the same run. */
  ratioTarget: number;
  /** Issue 12's ceiling on the server's CPU time per request, where it sets one. */
  serverCpuMsTarget?: number;
  /** A fresh request per call: random ids and titles are drawn here. */
  server(inputs: WorkloadInputs): BenchRequest;
  baseline(inputs: WorkloadInputs): BenchRequest;
}

/** The server's headers for a workload: none for a visitor's (W1a), the signed-in ones otherwise. */
export function headersFor(workload: Workload, signedIn: Record<string, string>): Record<string, string> {
  return workload.anonymous ? {} : signedIn;
}

export const LISTING_QUERY = `query W1($first: Int!) {
  properties(first: $first, filter: {isPublished: true}) { nodes { id title createdBy { email } } }
}`;

/** W1 as a visitor's page asks for it: no actor, so no users join is needed. */
export const ANONYMOUS_LISTING_QUERY = `query W1a($first: Int!) {
  properties(first: $first, filter: {isPublished: true}) { nodes { id title } }
}`;

export const DETAIL_QUERY = `query W2($id: ID!) {
  property(id: $id) { id title auditTrail(first: 20) { nodes { action performedAt performedBy { email } } } }
}`;

export const AUDIT_FILTER_QUERY = `query W3($after: String, $from: DateTime!, $to: DateTime!) {
  auditLogs(first: 50, after: $after, filter: {actions: [UPDATE], from: $from, to: $to}) {
    edges { cursor node { id entityType entityId action performedAt changes } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const WRITE_MUTATION = `mutation W4($id: ID!, $title: String!) {
  updateProperty(id: $id, input: {title: $title}) { id title updatedAt }
}`;

/** A new title each time, so that every update changes something and writes its audit row. */
export function freshTitle(): string {
  return `Bench villa ${randomBytes(6).toString('hex')}`;
}

export function graphqlBody(query: string, variables: Record<string, unknown>): string {
  return JSON.stringify({ query, variables });
}

function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('nothing to pick from: the database holds no properties');
  return item;
}

function page200(after: string | undefined, side: string): string {
  if (after === undefined) throw new Error(`page 200 of W3 was not reached on the ${side}`);
  return after;
}

export const WORKLOADS: readonly Workload[] = [
  {
    key: 'W1',
    label: 'W1 listing (first 50)',
    read: true,
    ratioTarget: 0.5,
    serverCpuMsTarget: 0.5,
    server: () => ({ path: '/graphql', body: graphqlBody(LISTING_QUERY, { first: 50 }) }),
    baseline: () => ({ path: '/w1', body: JSON.stringify({ first: 50 }) }),
  },
  {
    key: 'W1a',
    label: 'W1a listing anonymous, no createdBy',
    anonymous: true,
    read: true,
    ratioTarget: 0.6,
    server: () => ({ path: '/graphql', body: graphqlBody(ANONYMOUS_LISTING_QUERY, { first: 50 }) }),
    baseline: () => ({ path: '/w1a', body: JSON.stringify({ first: 50 }) }),
  },
  {
    key: 'W2',
    label: 'W2 detail + auditTrail(20)',
    read: true,
    ratioTarget: 0.6,
    server: (inputs) => ({ path: '/graphql', body: graphqlBody(DETAIL_QUERY, { id: pick(inputs.propertyIds) }) }),
    baseline: (inputs) => ({ path: '/w2', body: JSON.stringify({ id: pick(inputs.propertyIds) }) }),
  },
  {
    key: 'W3p1',
    label: 'W3 auditLogs page 1',
    read: true,
    ratioTarget: 0.5,
    server: ({ from, to }) => ({ path: '/graphql', body: graphqlBody(AUDIT_FILTER_QUERY, { from, to }) }),
    baseline: ({ from, to }) => ({ path: '/w3', body: JSON.stringify({ from, to }) }),
  },
  {
    key: 'W3p200',
    label: 'W3 auditLogs page 200',
    read: true,
    ratioTarget: 0.5,
    server: ({ from, to, serverPage200After }) => ({
      path: '/graphql',
      body: graphqlBody(AUDIT_FILTER_QUERY, { from, to, after: page200(serverPage200After, 'server') }),
    }),
    baseline: ({ from, to, baselinePage200After }) => ({
      path: '/w3',
      body: JSON.stringify({ from, to, after: page200(baselinePage200After, 'baseline') }),
    }),
  },
  {
    key: 'W4',
    label: 'W4 updateProperty',
    read: false,
    ratioTarget: 0.5,
    server: (inputs) => ({
      path: '/graphql',
      body: graphqlBody(WRITE_MUTATION, { id: pick(inputs.propertyIds), title: freshTitle() }),
    }),
    baseline: (inputs) => ({ path: '/w4', body: JSON.stringify({ id: pick(inputs.propertyIds), title: freshTitle() }) }),
  },
];
