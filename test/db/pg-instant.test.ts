import { describe, expect, it } from 'vitest';
import { instantFromPg } from '../../src/db/pg-instant.js';

describe('instants as PostgreSQL prints them', () => {
  it('reads a UTC timestamptz with microseconds to the millisecond, as Date would', () => {
    expect(instantFromPg('2026-11-25 12:20:55.400462+00').toISOString()).toBe('2026-11-25T12:20:55.400Z');
    expect(instantFromPg('2026-02-28 23:59:59.9+00').toISOString()).toBe('2026-02-28T23:59:59.900Z');
    expect(instantFromPg('2026-01-01 00:00:00+00').toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(instantFromPg('2024-02-29 08:05:09.12+00').toISOString()).toBe('2024-02-29T08:05:09.120Z');
    expect(instantFromPg('1999-12-31 23:59:59.999999+00').toISOString()).toBe('1999-12-31T23:59:59.999Z');
  });

  it('leaves other layouts and Dates to Date itself', () => {
    expect(instantFromPg('2026-11-25T12:20:55.123Z').toISOString()).toBe('2026-11-25T12:20:55.123Z');
    expect(instantFromPg('2026-11-25 12:20:55.4+02').toISOString()).toBe('2026-11-25T10:20:55.400Z');
    const date = new Date('2020-01-01T00:00:00Z');
    expect(instantFromPg(date)).toBe(date);
  });
});
