import { Router } from 'express';
import type { Orm } from '../db/orm.js';
import type { ReplicaSet } from '../db/replicas.js';

const READINESS_TIMEOUT_MS = 2_000;

async function databaseAnswers(orm: Orm): Promise<boolean> {
  const probe = orm.em.fork().getConnection().execute('select 1');
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), READINESS_TIMEOUT_MS).unref());
  try {
    await Promise.race([probe, timeout]);
    return true;
  } catch {
    return false;
  }
}

/**
 * `/healthz`: the process runs. `/readyz`: the primary answers too; it also reports each replica,
 * but a replica that is down or behind never makes the process unready: its reads go to the primary.
 */
export function healthRoutes(orm: Orm, replicas?: ReplicaSet): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const ready = await databaseAnswers(orm);
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'database unavailable',
      ...(replicas ? { replicas: replicas.status() } : {}),
    });
  });
  return router;
}
