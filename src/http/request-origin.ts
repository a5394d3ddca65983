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
