import type { AuditLogRow } from '../audit-log/audit-log.service.js';

/** One exported entry, with the names and values the GraphQL API shows for an AuditLog. */
export interface ExportedEntry {
  id: string;
  entityType: string;
  entityId: string;
  action: string;
  performedAt: string;
  performedBy: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  changes: unknown;
}

export type ExportFormat = 'ndjson' | 'csv';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

const COLUMNS = ['id', 'entityType', 'entityId', 'action', 'performedAt', 'performedBy', 'ipAddress', 'userAgent', 'changes'] as const;

const PG_INSTANT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?([+-]\d{2})(?::?(\d{2}))?$/;

/**
 * A timestamptz as PostgreSQL prints it (`2026-11-25 12:20:55.400462+00`) as the API prints a
 * DateTime (`2026-11-25T12:20:55.400Z`): the same string a client gets from `auditLogs`.
 */
function isoInstant(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  const match = PG_INSTANT.exec(String(value));
  if (!match) throw new Error(`unexpected timestamptz text: ${String(value)}`);
  const [, date, time, fraction = '', offsetHours, offsetMinutes = '00'] = match;
  return new Date(`${date}T${time}.${fraction.padEnd(3, '0').slice(0, 3)}${offsetHours}:${offsetMinutes}`).toISOString();
}

const text = (value: unknown): string | null => (value == null ? null : String(value));

export function exportedEntry(row: AuditLogRow): ExportedEntry {
  return {
    id: String(row.id),
    entityType: String(row.entity_type),
    entityId: String(row.entity_id),
    action: String(row.action).toUpperCase(),
    performedAt: isoInstant(row.performed_at),
    performedBy: text(row.performed_by),
    ipAddress: text(row.ip_address),
    userAgent: text(row.user_agent),
    // pg parses jsonb itself; text would mean a driver set up to leave it alone.
    changes: typeof row.changes === 'string' ? JSON.parse(row.changes) : (row.changes ?? null),
  };
}

export function ndjsonLine(entry: ExportedEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

/**
 * A cell as RFC 4180 quotes it. A cell that a spreadsheet would run as a formula (user agents come
 * from clients) gets a leading apostrophe, as OWASP advises against CSV injection.
 */
function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export const CSV_HEADER = `${COLUMNS.join(',')}\r\n`;

export function csvLine(entry: ExportedEntry): string {
  const cells = COLUMNS.map((column) => {
    const value = entry[column];
    return csvCell(column === 'changes' ? (value == null ? null : JSON.stringify(value)) : (value as string | null));
  });
  return `${cells.join(',')}\r\n`;
}
