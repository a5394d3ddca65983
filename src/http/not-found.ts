import type { Request, Response } from 'express';

/** The last route: an unknown path answers in the same `errors` shape as everything else. */
export function notFound(req: Request, res: Response): void {
  res.status(404).json({
    errors: [
      {
        message: `Nothing is served at ${req.method} ${req.path}: the API is POST /graphql (GET for queries).`,
        extensions: { code: 'NOT_FOUND' },
      },
    ],
  });
}
