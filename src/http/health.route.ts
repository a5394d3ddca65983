import { Router } from 'express';
import type { Orm } from '../db/orm.js';

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

/** `/healthz`: the process runs. `/readyz`: the database answers too. */
export function healthRoutes(orm: Orm): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const ready = await databaseAnswers(orm);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'database unavailable' });
  });
  return router;
}
