import { Router, type Request } from 'express';
import type { RuruClientConfig } from 'ruru/server';

const ENDPOINT = '/graphql';
/** Ruru's scripts, styles, workers and font, served from the npm package so the page works offline. */
const STATIC_PATH = '/ruru-static/';

const DEFAULT_QUERY = `# Sign in: in Headers (below) put
#   { "Authorization": "Bearer <token>" }
# npm run token -- --sub alice --email a@example.com
# prints a token.
{
  properties(first: 5) {
    totalCount
    nodes { id title isPublished }
  }
}
`;

/** What Apollo's landing page answers to: a GET whose Accept prefers HTML over every GraphQL response type. */
function prefersHtml(req: Request): boolean {
  return req.accepts(['application/json', 'application/graphql-response+json', 'multipart/mixed', 'text/html']) === 'text/html';
}

/**
 * The GraphQL explorer (ruru, a GraphiQL distribution) for browsers that open `GET /graphql`.
 * Loaded only where it is served: ruru is a development dependency (about 100 packages and 47 MB
 * of assets) that a production install leaves out.
 */
export async function explorerRoute(): Promise<Router> {
  const [{ ruruHTML }, { serveStatic }] = await Promise.all([import('ruru/server'), import('ruru/static')]);
  const clientConfig: Partial<RuruClientConfig> = {
    defaultQuery: DEFAULT_QUERY,
    isHeadersEditorEnabled: true,
    // Ruru's explain and plan tools read Grafast's plans, which Apollo does not produce.
    debugTools: [],
  };
  const page = ruruHTML({
    staticPath: STATIC_PATH,
    endpoint: ENDPOINT,
    // Every client option is optional; ruru's types make them required only because they pick
    // them from graphiql's props, a package ruru bundles instead of depending on.
    clientConfig: clientConfig as RuruClientConfig,
  });
  const router = Router();
  router.get(ENDPOINT, (req, res, next) => {
    if (!prefersHtml(req)) {
      next();
      return;
    }
    res.type('html').send(page);
  });
  router.get(`${STATIC_PATH}*file`, serveStatic(STATIC_PATH));
  return router;
}
