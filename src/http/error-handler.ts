import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';

interface HttpError {
  status?: number;
  type?: string;
}

/** Malformed or oversized bodies become GraphQL-shaped errors; nothing else leaks. */
export function httpErrorHandler(logger: Logger) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const { status, type } = (error ?? {}) as HttpError;
    if (type === 'entity.too.large') {
      res.status(413).json({ errors: [{ message: 'The request body is too large.', extensions: { code: 'BAD_REQUEST' } }] });
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
