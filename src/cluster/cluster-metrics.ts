import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';

/**
 * `/metrics` of a cluster: one text for the whole group, gathered by the primary over the cluster's
 * IPC channel from every running worker's registry and aggregated with prom-client's
 * AggregatorRegistry (counters, histograms and gauges summed; process metrics as prom-client
 * declares them: event-loop lag averaged, its min and max kept, the version taken once, the start
 * time left out). A scrape therefore sees the group as one server, whichever worker or port it
 * reaches, and no worker keeps state another needs.
 */

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Primary → worker: send me your registry. */
interface CollectRequest {
  kind: 'bestays:metrics:collect';
  id: number;
}
/** Worker → primary: my registry, as JSON. */
interface CollectReply {
  kind: 'bestays:metrics:report';
  id: number;
  metrics: MetricsJson;
}
/** Worker → primary: a client asked me for /metrics; give me the group's text. */
interface TextRequest {
  kind: 'bestays:metrics:ask';
  id: number;
}
/** Primary → worker: the group's text (or why there is none). */
interface TextReply {
  kind: 'bestays:metrics:answer';
  id: number;
  text?: string;
  error?: string;
}

type MetricsMessage = CollectRequest | CollectReply | TextRequest | TextReply;

function isMetricsMessage(message: unknown): message is MetricsMessage {
  return typeof message === 'object' && message !== null && typeof (message as { kind?: unknown }).kind === 'string' &&
    (message as { kind: string }).kind.startsWith('bestays:metrics:');
}

/** How long the primary waits for a worker's registry; a worker that does not answer is left out of that scrape. */
const COLLECT_TIMEOUT_MS = 2_000;
/** How long a worker waits for the group's text from the primary. */
const ASK_TIMEOUT_MS = 5_000;

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** The primary's side: its own gauges, and the aggregation of every running worker's registry. */
export class ClusterMetrics {
  readonly contentType = METRICS_CONTENT_TYPE;
  private readonly registry = new Registry();
  private readonly restarts: Counter;
  private nextId = 0;
  private readonly pending = new Map<number, { worker: Worker; settle: (metrics: MetricsJson | undefined) => void }>();

  /** `running()` lists the workers that serve now (forked and listening). */
  constructor(
    configured: number,
    private readonly running: () => readonly Worker[],
  ) {
    new Gauge({
      name: 'cluster_workers',
      help: 'Server processes of this cluster: configured (WEB_CONCURRENCY) and running (listening now)',
      labelNames: ['state'],
      registers: [this.registry],
      collect: function (this: Gauge) {
        this.set({ state: 'configured' }, configured);
        this.set({ state: 'running' }, running().length);
      },
    });
    this.restarts = new Counter({
      name: 'cluster_worker_restarts_total',
      help: 'Workers that died while serving and were replaced',
      registers: [this.registry],
    });
    cluster.on('message', (worker, message: unknown) => {
      if (!isMetricsMessage(message)) return;
      if (message.kind === 'bestays:metrics:report') this.pending.get(message.id)?.settle(message.metrics);
      if (message.kind === 'bestays:metrics:ask') void this.answer(worker, message.id);
    });
    cluster.on('exit', (worker) => {
      // A worker that exits mid-collection will not answer: stop waiting for it.
      for (const entry of this.pending.values()) if (entry.worker === worker) entry.settle(undefined);
    });
  }

  workerRestarted(): void {
    this.restarts.inc();
  }

  /** The Prometheus text of the whole group. */
  async metrics(): Promise<string> {
    const reports = await Promise.all(this.running().map((worker) => this.collect(worker)));
    const all = [await this.registry.getMetricsAsJSON(), ...reports.filter((report): report is MetricsJson => report !== undefined)];
    return await AggregatorRegistry.aggregate(all).metrics();
  }

  private collect(worker: Worker): Promise<MetricsJson | undefined> {
    if (!worker.isConnected()) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), COLLECT_TIMEOUT_MS);
      const settle = (metrics: MetricsJson | undefined): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(metrics);
      };
      this.pending.set(id, { worker, settle });
      const request: CollectRequest = { kind: 'bestays:metrics:collect', id };
      worker.send(request, (error: Error | null) => {
        if (error) settle(undefined);
      });
    });
  }

  private async answer(worker: Worker, id: number): Promise<void> {
    const reply: TextReply = await this.metrics().then(
      (text) => ({ kind: 'bestays:metrics:answer', id, text }),
      (error: unknown) => ({ kind: 'bestays:metrics:answer', id, error: error instanceof Error ? error.message : String(error) }),
    );
    if (worker.isConnected()) worker.send(reply);
  }
}

/**
 * The worker's side: answers the primary's collection requests from this process's registry, and
 * asks the primary for the group's text when a client reads `/metrics` on the API's port.
 */
export class WorkerMetrics {
  private nextId = 0;
  private readonly asked = new Map<number, (reply: TextReply) => void>();
  private registry: Registry | undefined;

  constructor() {
    process.on('message', (message: unknown) => {
      if (!isMetricsMessage(message)) return;
      if (message.kind === 'bestays:metrics:collect') void this.report(message.id);
      if (message.kind === 'bestays:metrics:answer') this.asked.get(message.id)?.(message);
    });
  }

  /** From now on the primary's collections read this registry. */
  serve(registry: Registry): void {
    this.registry = registry;
  }

  /** The whole group's Prometheus text, from the primary. */
  groupMetrics(): Promise<string> {
    // Sending on a closed channel would raise an 'error' event on the process, not a rejection.
    if (!process.connected || !process.send) return Promise.reject(new Error('not connected to the cluster primary'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.asked.delete(id);
        reject(new Error('the cluster primary did not send the metrics in time'));
      }, ASK_TIMEOUT_MS);
      this.asked.set(id, (reply) => {
        clearTimeout(timer);
        this.asked.delete(id);
        if (reply.text !== undefined) resolve(reply.text);
        else reject(new Error(reply.error ?? 'the cluster primary sent no metrics'));
      });
      const request: TextRequest = { kind: 'bestays:metrics:ask', id };
      process.send?.(request, undefined, undefined, (error: Error | null) => {
        if (error) this.asked.get(id)?.({ kind: 'bestays:metrics:answer', id, error: error.message });
      });
    });
  }

  private async report(id: number): Promise<void> {
    // Before the server is up there is nothing to report: an empty list keeps the primary from waiting.
    const metrics = this.registry ? await this.registry.getMetricsAsJSON() : [];
    const reply: CollectReply = { kind: 'bestays:metrics:report', id, metrics };
    if (process.connected) process.send?.(reply, undefined, undefined, () => undefined);
  }
}

let workerMetrics: WorkerMetrics | undefined;

/** This worker's one link to the group's metrics (created on first use: one IPC listener per process). */
export function workerMetricsLink(): WorkerMetrics {
  return (workerMetrics ??= new WorkerMetrics());
}
