/**
 * The channel on which PostgreSQL names each audit entry as its transaction commits, whoever wrote
 * it. The payload is the entry's id only (36 bytes, far under NOTIFY's 8,000-byte limit): each
 * listening process reads the entry itself.
 */
export const AUDIT_LOG_ADDED_CHANNEL = 'bestays_audit_log_added';
