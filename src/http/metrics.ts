import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ApolloServerPlugin } from '@apollo/server';
import type { EventSubscriber, FlushEventArgs } from '@mikro-orm/core';
import type { Pool } from 'pg';
import type { Orm } from '../db/orm.js';
import { AuditLog } from '../audit-log/audit-log.entity.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { RecordAnswer } from './prepared-answer.js';

const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Operation names come from clients: past this many distinct ones, the rest share one label. */
const MAX_OPERATION_LABELS = 200;

export interface Metrics {
  registry: Registry;
  graphqlPlugin: ApolloServerPlugin<GraphQLContext>;
  /** Counts a GraphQL request answered outside Apollo's pipeline. */
  recordAnswer: RecordAnswer;
}

/** Counts audit rows as they are flushed, beside the subscriber that writes them. */
class AuditRowsCounter implements EventSubscriber {
  constructor(private readonly counter: Counter) {}
  afterFlush({ uow }: FlushEventArgs): void {
    let written = 0;
    for (const changeSet of uow.getChangeSets()) if (changeSet.entity instanceof AuditLog) written++;
    if (written > 0) this.counter.inc(written);
  }
}

/** Prometheus metrics of one server: requests by operation and outcome, the pool, audit rows. */
export function createMetrics(orm: Orm): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labels = new Set<string>();
  const operationLabel = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'invalid';
    if (labels.has(name)) return name;
    if (labels.size >= MAX_OPERATION_LABELS) return 'other';
    labels.add(name);
    return name;
  };

  const requests = new Counter({
    name: 'graphql_requests_total',
    help: 'GraphQL requests by operation name and outcome',
    labelNames: ['operation', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL request duration by operation name and outcome',
    labelNames: ['operation', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const auditRows = new Counter({
    name: 'audit_rows_written_total',
    help: 'Audit log entries flushed to the database',
    registers: [registry],
  });
  let pool: Pool | undefined;
  void orm.em
    .getConnection()
    .getNativeClient()
    .then((client) => (pool = client as Pool))
    .catch(() => undefined);
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      if (!pool) return;
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  orm.em.getEventManager().registerSubscriber(new AuditRowsCounter(auditRows));

  const recordAnswer = (operationName: string | null | undefined, failed: boolean, startedNs: bigint): void => {
    const outcomeLabels = { operation: operationLabel(operationName), outcome: failed ? 'error' : 'success' };
    requests.inc(outcomeLabels);
    duration.observe(outcomeLabels, Number(process.hrtime.bigint() - startedNs) / 1e9);
  };
  const graphqlPlugin: ApolloServerPlugin<GraphQLContext> = {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, response, errors }) {
          const body = response.body;
          const failed = (errors?.length ?? 0) > 0 || (body.kind === 'single' && (body.singleResult.errors?.length ?? 0) > 0);
          recordAnswer(operationName, failed, started);
        },
      };
    },
  };
  return { registry, graphqlPlugin, recordAnswer };
}

/** What the live feed reports: read when Prometheus scrapes, counted as it happens. */
export interface FeedMetrics {
  eventDelivered(): void;
  /** An entry a subscriber had queued but never got: its subscription ended first. */
  eventsDropped(count: number): void;
}

export function registerFeedMetrics(
  registry: Registry,
  gauges: { openSockets: () => number; activeSubscriptions: () => number },
): FeedMetrics {
  new Gauge({
    name: 'graphql_ws_sockets_open',
    help: 'Open WebSocket connections',
    registers: [registry],
    collect() {
      this.set(gauges.openSockets());
    },
  });
  new Gauge({
    name: 'audit_feed_subscriptions_active',
    help: 'Active auditLogAdded subscriptions in this process',
    registers: [registry],
    collect() {
      this.set(gauges.activeSubscriptions());
    },
  });
  const delivered = new Counter({
    name: 'audit_feed_events_delivered_total',
    help: 'Audit entries handed to a subscriber',
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'audit_feed_events_dropped_total',
    help: 'Audit entries queued for a subscriber that ended before receiving them',
    registers: [registry],
  });
  return {
    eventDelivered: () => delivered.inc(),
    eventsDropped: (count) => {
      if (count > 0) dropped.inc(count);
    },
  };
}
