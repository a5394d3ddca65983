/** The baseline's own keyset cursor: base64url of `[performed_at as PostgreSQL prints it, id]`, like the server's. */
export function encodeBaselineCursor(performedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([performedAt, id]), 'utf8').toString('base64url');
}

export function decodeBaselineCursor(cursor: string): { performedAt: string; id: string } {
  const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') {
    throw new Error('malformed cursor');
  }
  return { performedAt: parsed[0], id: parsed[1] };
}
