import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReplicaSet, ReplicaState } from '../db/replicas.js';

const STATES: readonly ReplicaState[] = ['starting', 'serving', 'lagging', 'down'];

/** Each replica's state and lag as last checked, and where reads ran: read when Prometheus scrapes. */
export function registerReplicaMetrics(registry: Registry, replicas: ReplicaSet): void {
  new Gauge({
    name: 'db_replica_state',
    help: '1 for the state each replica is in (serving, lagging, down, starting)',
    labelNames: ['replica', 'state'],
    registers: [registry],
    collect() {
      for (const status of replicas.status()) {
        for (const state of STATES) this.set({ replica: status.name, state }, status.state === state ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'db_replica_lag_seconds',
    help: 'How far each replica replays behind the primary, as last measured',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      for (const status of replicas.status()) if (status.lagMs !== null) this.set({ replica: status.name }, status.lagMs / 1000);
    },
  });
  new Counter({
    name: 'db_query_reads_total',
    help: 'Reads of GraphQL queries by where they ran; fallback: a replica failed and the primary served it',
    labelNames: ['target'],
    registers: [registry],
    // The replica set counts as it reads; a scrape reads its totals.
    collect() {
      const counts = replicas.readCounts();
      this.reset();
      this.inc({ target: 'replica' }, counts.replica);
      this.inc({ target: 'primary' }, counts.primary);
      this.inc({ target: 'fallback' }, counts.fallbacks);
    },
  });
}
