/**
 * What the cluster primary resolved once for every worker, passed through the environment of
 * cluster.fork(): the database URL (the embedded server's too, so no worker starts its own) and the
 * pool size that lets N pools fit max_connections. Workers never migrate: the primary did, once,
 * before forking them.
 */
export interface WorkerHandoff {
  databaseUrl: string;
  poolSize: number;
}

export const HANDOFF_VARIABLE = 'BESTAYS_CLUSTER_WORKER';

export function handoffEnvironment(handoff: WorkerHandoff): Record<string, string> {
  return { [HANDOFF_VARIABLE]: JSON.stringify(handoff) };
}

/** The handoff of this worker process; throws when the primary gave none (a worker must not guess its database). */
export function readHandoff(env: NodeJS.ProcessEnv = process.env): WorkerHandoff {
  const raw = env[HANDOFF_VARIABLE];
  if (!raw) throw new Error(`${HANDOFF_VARIABLE} is unset: a cluster worker is started by the primary (src/main.ts) only`);
  const parsed = JSON.parse(raw) as Partial<WorkerHandoff>;
  if (typeof parsed.databaseUrl !== 'string' || !Number.isInteger(parsed.poolSize)) {
    throw new Error(`${HANDOFF_VARIABLE} is malformed`);
  }
  return { databaseUrl: parsed.databaseUrl, poolSize: parsed.poolSize as number };
}

/** Worker → primary, over the cluster's IPC channel: this worker listens and serves. */
export interface WorkerReady {
  kind: 'bestays:worker:ready';
  url: string;
}

export function isWorkerReady(message: unknown): message is WorkerReady {
  return typeof message === 'object' && message !== null && (message as { kind?: unknown }).kind === 'bestays:worker:ready';
}
