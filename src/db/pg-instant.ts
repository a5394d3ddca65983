const PG_UTC_INSTANT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?\+00$/;

/**
 * A `timestamptz` as PostgreSQL prints it in a UTC session (`2026-11-25 12:20:55.400462+00`), as a
 * Date (to the millisecond). Read by hand: V8 parses this layout with its slow legacy parser, and
 * a listing has a few hundred of them. Anything else goes to Date's own parser.
 */
export function instantFromPg(value: string | Date): Date {
  if (value instanceof Date) return value;
  const match = PG_UTC_INSTANT.exec(value);
  if (!match) return new Date(value);
  const [, year, month, day, hour, minute, second, fraction] = match;
  const milliseconds = fraction ? Number(fraction.padEnd(3, '0').slice(0, 3)) : 0;
  return new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), milliseconds));
}
