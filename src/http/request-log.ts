import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { GraphQLContext } from '../graphql/context.js';

export interface RequestLine {
  requestId: unknown;
  method: string;
  path: string;
  operationName: string | undefined;
  status: number;
  durationMs: number;
}

export function logRequest(logger: Logger, line: RequestLine): void {
  logger.info(line, 'request');
}

/** One line per request: operation name, duration, status. */
export function requestLog(logger: Logger) {
  // A level that drops the line need not time the request at all.
  if (!logger.isLevelEnabled('info')) return (_req: Request, _res: Response, next: NextFunction): void => next();
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const context = res.locals.graphqlContext as GraphQLContext | undefined;
      logRequest(logger, {
        requestId: res.locals.requestId,
        method: req.method,
        path: req.originalUrl.split('?')[0] ?? '',
        operationName: context?.operationName,
        status: res.statusCode,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
    next();
  };
}
