import cluster from 'node:cluster';
import { Router } from 'express';
import type { Registry } from 'prom-client';
import { workerMetricsLink } from '../cluster/cluster-metrics.js';

/** What `/metrics` reads: a registry, or the aggregation of a cluster's registries. */
export type MetricsSource = Pick<Registry, 'contentType' | 'metrics'>;

/** `GET /metrics` in the Prometheus text format. */
export function metricsRoute(source: MetricsSource): Router {
  // In a cluster worker one process's share would mislead a scraper that reaches a worker at random:
  // the worker answers with the whole group's figures, which the primary gathers.
  const served: MetricsSource = cluster.isWorker
    ? { contentType: source.contentType, metrics: () => workerMetricsLink().groupMetrics() }
    : source;
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    let text: string;
    try {
      text = await served.metrics();
    } catch {
      res.status(503).type('text/plain').send('metrics unavailable\n');
      return;
    }
    res.setHeader('content-type', served.contentType);
    res.send(text);
  });
  return router;
}
