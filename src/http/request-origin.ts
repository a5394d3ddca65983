import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import type { RequestOrigin } from '../auth/identity.js';

const MAX_USER_AGENT = 1_000;

function normalizeAddress(address: string | undefined): string | null {
  if (!address) return null;
  const plain = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return plain.length <= 45 ? plain : null;
}

/** Client address (X-Forwarded-For only when express is told to trust a proxy) and user agent. */
export function requestOrigin(req: Request): RequestOrigin {
  const userAgent = req.get('user-agent');
  return {
    ipAddress: normalizeAddress(req.ip ?? req.socket.remoteAddress),
    userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null,
  };
}

/**
 * The same for a request that express never saw: behind a trusted proxy the client is the
 * left-most X-Forwarded-For entry, as express's `trust proxy: true` takes it.
 */
export function incomingOrigin(req: IncomingMessage, trustProxy: boolean): RequestOrigin {
  const forwarded = trustProxy ? req.headers['x-forwarded-for'] : undefined;
  const client = typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined;
  const userAgent = req.headers['user-agent'];
  return {
    ipAddress: normalizeAddress(client || req.socket.remoteAddress),
    userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null,
  };
}
