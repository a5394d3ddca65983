/** The token of `Authorization: Bearer <token>`: undefined without the header, null for any other form of it. */
export function bearerToken(header: string | undefined): string | undefined | null {
  if (header === undefined) return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null;
}
