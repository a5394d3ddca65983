import cors from 'cors';
import type { RequestHandler } from 'express';
import type { CorsOrigin } from '../config.js';

/**
 * Request headers a browser page may send. Besides the token and the JSON body, Apollo's own
 * preflight headers, so that a page can also use GET queries under Apollo's CSRF rule.
 */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Apollo-Require-Preflight', 'X-Apollo-Operation-Name'];
/** Browsers may cache a preflight answer this long (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 7_200;

const DEFAULT_PORTS: Record<CorsOrigin['protocol'], string> = { 'http:': '80', 'https:': '443' };

function portOf(protocol: CorsOrigin['protocol'], port: string): string {
  return port === '' ? DEFAULT_PORTS[protocol] : port;
}

/** Whether the `Origin` a browser sent is one of the allowed ones. */
export function isAllowedOrigin(allowed: readonly CorsOrigin[], origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const protocol = url.protocol;
  return allowed.some(
    (rule) =>
      rule.protocol === protocol &&
      rule.hostname === url.hostname &&
      (rule.port === 'any' || portOf(rule.protocol, rule.port) === portOf(protocol, url.port)),
  );
}

/**
 * CORS for browser pages on the allowed origins: preflights are answered, and the other origins get
 * no `Access-Control-Allow-Origin`, so their browsers keep the answer from them. Tokens travel in
 * `Authorization`, never in cookies, so credentials stay off.
 */
export function corsMiddleware(allowed: readonly CorsOrigin[]): RequestHandler {
  const handle = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && isAllowedOrigin(allowed, origin)),
    methods: ['GET', 'POST'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: ['X-Request-Id'],
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  });
  return (req, res, next) => {
    // The answer depends on the Origin even when it is refused (cors only says so when it allows).
    res.vary('Origin');
    // Only browsers send an Origin; everything else (servers, scripts, curl) has nothing to negotiate.
    if (req.headers.origin === undefined) {
      next();
      return;
    }
    handle(req, res, next);
  };
}
