import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';

interface HttpError {
  status?: number;
  type?: string;
  /** body-parser's limit in bytes, on `entity.too.large`. */
  limit?: number;
}

function tooLargeMessage(limit: number | undefined): string {
  if (limit === undefined) return 'The request body is too large.';
  const size = limit % (1024 * 1024) === 0 ? `${limit / (1024 * 1024)} MB` : `${limit} bytes`;
  return `The request body is over the limit of ${size}: send a shorter document, or fewer variables.`;
}

/** Malformed or oversized bodies become GraphQL-shaped errors; nothing else leaks. */
export function httpErrorHandler(logger: Logger) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const { status, type, limit } = (error ?? {}) as HttpError;
    if (type === 'entity.too.large') {
      res.status(413).json({ errors: [{ message: tooLargeMessage(limit), extensions: { code: 'BAD_REQUEST' } }] });
      return;
    }
    if (status && status >= 400 && status < 500) {
      res.status(400).json({ errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
      return;
    }
    logger.error({ err: error, requestId: res.locals.requestId }, 'unhandled HTTP error');
    res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  };
}
