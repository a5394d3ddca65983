import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import type { Orm } from '../db/orm.js';
import type { Logger } from '../logger.js';
import type { TokenVerifier } from '../auth/token.js';
import { resolveViewer } from '../auth/identity.js';
import { AuditLogService, type AuditLogRow } from '../audit-log/audit-log.service.js';
import { DomainError } from '../shared/domain-error.js';
import { contractCodeOf } from '../graphql/errors.js';
import { Role } from '../users/role.js';
import { requestOrigin } from './request-origin.js';
import { ExportParameterError, exportFilterOf } from './audit-export.params.js';
import { CONTENT_TYPES, CSV_HEADER, csvLine, exportedEntry, ndjsonLine, type ExportFormat } from './audit-export.format.js';
import { bearerToken } from '../auth/bearer.js';

export interface AuditExportOptions {
  orm: Orm;
  verifyToken: TokenVerifier;
  logger: Logger;
}

/** Each running export holds a pooled connection for as long as its client reads: a few at once leave the pool to GraphQL. */
const MAX_CONCURRENT_EXPORTS = 2;
/** Rows are written in batches of about this many bytes: one write per row would cost more than the encoding. */
const WRITE_BATCH_BYTES = 64 * 1024;

/** How a pipeline fails when the client stops reading and goes away: not the server's fault, nothing to log. */
const CLIENT_GONE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE']);

function sendError(res: Response, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ errors: [{ message, extensions: { code, ...extra } }] });
}

/** The encoded export, batched; pulled by the response stream, so no row is read before the client can take it. */
async function* encoded(rows: AsyncIterable<AuditLogRow>, format: ExportFormat): AsyncGenerator<string> {
  const line = format === 'csv' ? csvLine : ndjsonLine;
  let batch = format === 'csv' ? CSV_HEADER : '';
  for await (const row of rows) {
    batch += line(exportedEntry(row));
    if (batch.length >= WRITE_BATCH_BYTES) {
      yield batch;
      batch = '';
    }
  }
  if (batch) yield batch;
}

/**
 * `GET /admin/audit-log.ndjson` and `GET /admin/audit-log.csv`: every audit entry matching the
 * `auditLogs` filters (as query parameters), newest first, for admins. Streamed from a database
 * cursor with backpressure, so memory stays flat whatever the size of the log.
 */
export function auditExportRoute({ orm, verifyToken, logger }: AuditExportOptions): Router {
  let running = 0;

  const exportAs = (format: ExportFormat) => async (req: Request, res: Response): Promise<void> => {
    const em = orm.em.fork();
    const token = bearerToken(req.get('authorization'));
    if (token == null) {
      res.setHeader('www-authenticate', 'Bearer');
      const message = token === null ? 'The Authorization header must be "Bearer <token>".' : 'An admin bearer token is required.';
      sendError(res, 401, 'UNAUTHENTICATED', message);
      return;
    }
    try {
      const viewer = await resolveViewer(em, await verifyToken(token), requestOrigin(req));
      if (viewer.role !== Role.ADMIN) {
        sendError(res, 403, 'FORBIDDEN', 'The audit-log export is for admins.');
        return;
      }
    } catch (error) {
      if (error instanceof DomainError && error.code === 'UNAUTHENTICATED') {
        res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
        sendError(res, 401, contractCodeOf(error.code), error.message);
        return;
      }
      throw error;
    }

    let rows: AsyncIterableIterator<AuditLogRow>;
    try {
      rows = new AuditLogService(em).stream(exportFilterOf(req.query as Record<string, unknown>));
    } catch (error) {
      if (error instanceof ExportParameterError) {
        sendError(res, 400, 'BAD_USER_INPUT', error.message, { parameter: error.parameter });
        return;
      }
      if (error instanceof DomainError && error.code === 'INVALID_INPUT') {
        sendError(res, 400, 'BAD_USER_INPUT', error.message, { parameter: error.details?.argument });
        return;
      }
      throw error;
    }

    if (req.method === 'HEAD') {
      // express answers HEAD with the GET route: the headers say enough without reading the log.
      res.status(200).setHeader('content-type', CONTENT_TYPES[format]);
      res.end();
      return;
    }
    if (running >= MAX_CONCURRENT_EXPORTS) {
      res.setHeader('retry-after', '10');
      sendError(res, 429, 'TOO_MANY_REQUESTS', `At most ${MAX_CONCURRENT_EXPORTS} exports run at once; try again shortly.`);
      return;
    }
    running++;
    const stamp = new Date().toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
    res.status(200);
    res.setHeader('content-type', CONTENT_TYPES[format]);
    res.setHeader('content-disposition', `attachment; filename="audit-log-${stamp}.${format}"`);
    res.setHeader('cache-control', 'no-store');
    try {
      // pipeline waits for 'drain' between writes and, when the client goes away or the database
      // fails, ends the generator: its cursor closes and the connection returns to the pool.
      await pipeline(Readable.from(encoded(rows, format), { objectMode: false }), res);
    } catch (error) {
      // The status line is gone by now: a cut-off body (no final chunk) is how the client learns of it.
      if (!res.destroyed) res.destroy();
      if (!CLIENT_GONE.has(String((error as { code?: unknown }).code))) {
        logger.error({ err: error, requestId: res.locals.requestId }, 'audit-log export failed');
      }
    } finally {
      running--;
    }
  };

  const router = Router();
  router.get('/admin/audit-log.ndjson', exportAs('ndjson'));
  router.get('/admin/audit-log.csv', exportAs('csv'));
  return router;
}
