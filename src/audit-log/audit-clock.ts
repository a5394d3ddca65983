let last = -Infinity;

/**
 * The instant an audit entry is stamped with: the wall clock, but never earlier than the previous
 * stamp in this process. Entries sort by (performedAt, id) and ids are monotonic uuid v7, so a
 * clock stepping back (NTP) must not reorder two successive entries.
 */
export function nextAuditInstant(): Date {
  last = Math.max(Date.now(), last);
  return new Date(last);
}
