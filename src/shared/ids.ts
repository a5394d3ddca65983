const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER_PATTERN = /^[1-9][0-9]{0,9}$/;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** A positive 32-bit integer id as text, or undefined. */
export function parseIntegerId(value: string): number | undefined {
  if (!INTEGER_PATTERN.test(value)) return undefined;
  const id = Number(value);
  return id <= 2_147_483_647 ? id : undefined;
}
