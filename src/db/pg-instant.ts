/** The character code of '0'; digits are read by their distance from it. */
const ZERO = 48;
/** `YYYY-MM-DD HH:MM:SS` */
const SECONDS_END = 19;
/** `+00`, the offset of a UTC session. */
const UTC_SUFFIX = '+00';

function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

/** Digits after the decimal point (0 when there is none), or -1 where the text has another layout. */
function fractionDigitsOf(text: string): number {
  const length = text.length;
  if (length === SECONDS_END + UTC_SUFFIX.length) return 0;
  const digits = length - SECONDS_END - 1 - UTC_SUFFIX.length;
  return digits >= 1 && digits <= 6 && text[SECONDS_END] === '.' ? digits : -1;
}

/**
 * A `timestamptz` as PostgreSQL prints it in a UTC session (`2026-11-25 12:20:55.400462+00`), as a
 * Date (to the millisecond). Read by position: V8 parses this layout with its slow legacy parser,
 * and a page has a few hundred of them. Anything else goes to Date's own parser.
 */
export function instantFromPg(value: string | Date): Date {
  if (value instanceof Date) return value;
  const fractionDigits = fractionDigitsOf(value);
  const shaped =
    fractionDigits >= 0 &&
    value[4] === '-' &&
    value[7] === '-' &&
    value[10] === ' ' &&
    value[13] === ':' &&
    value[16] === ':' &&
    value.endsWith(UTC_SUFFIX);
  if (shaped) {
    let milliseconds = 0;
    for (let i = 0; i < 3; i++) milliseconds = milliseconds * 10 + (i < fractionDigits ? digitsAt(value, SECONDS_END + 1 + i, 1) : 0);
    const time = Date.UTC(
      digitsAt(value, 0, 4),
      digitsAt(value, 5, 2) - 1,
      digitsAt(value, 8, 2),
      digitsAt(value, 11, 2),
      digitsAt(value, 14, 2),
      digitsAt(value, 17, 2),
      milliseconds,
    );
    if (!Number.isNaN(time)) return new Date(time);
  }
  return new Date(value);
}
