import { SignJWT } from 'jose';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256';

export interface TokenOptions {
  email?: string | null;
  expiresIn?: string;
  secret?: string;
  issuer?: string;
  audience?: string;
}

/** An HS256 token as the development issuer would sign it. */
export async function signToken(subject: string, options: TokenOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = {};
  if (options.email !== null) claims.email = options.email ?? `${subject}@example.com`;
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h');
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return await jwt.sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}
