import { DateTimeResolver } from 'graphql-scalars';
import { AuditAction } from '../audit-log/audit-action.js';
import type { AuditLogFilter } from '../audit-log/audit-log.inputs.js';

/** A query parameter the export cannot use; `parameter` names it for the client. */
export class ExportParameterError extends Error {
  override name = 'ExportParameterError';
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

type Query = Record<string, unknown>;

const PARAMETERS = ['entityType', 'entityId', 'actions', 'performedBy', 'from', 'to', 'changedField'] as const;

/** The value of a parameter given at most once and never empty: an empty filter exporting everything would surprise. */
function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ExportParameterError(name, `"${name}" must be given once, as text.`);
  if (value.trim() === '') throw new ExportParameterError(name, `"${name}" must not be empty; leave it out to export every value.`);
  return value.trim();
}

/** `actions=CREATE,PUBLISH`: the AuditAction values of the API, in any case. */
function actionsOf(raw: string): AuditAction[] {
  const keys = Object.keys(AuditAction) as (keyof typeof AuditAction)[];
  return raw.split(',').map((item) => {
    const key = keys.find((candidate) => candidate === item.trim().toUpperCase());
    if (!key) {
      throw new ExportParameterError('actions', `"actions" must be a comma-separated list of ${keys.join(', ')}; "${item.trim()}" is not one.`);
    }
    return AuditAction[key];
  });
}

/** An instant as the API's DateTime accepts it: ISO-8601 with a zone. */
function instantOf(name: string, raw: string): Date {
  try {
    return DateTimeResolver.parseValue(raw) as Date;
  } catch {
    throw new ExportParameterError(name, `"${name}" must be an ISO-8601 instant with a zone, e.g. 2026-11-24T21:00:00.000Z.`);
  }
}

/**
 * The `auditLogs` filter from the export's query parameters. Ids are checked where the GraphQL
 * filter checks them, in the service; everything else here.
 */
export function exportFilterOf(query: Query): AuditLogFilter {
  const unknown = Object.keys(query).find((name) => !(PARAMETERS as readonly string[]).includes(name));
  if (unknown !== undefined) {
    throw new ExportParameterError(unknown, `"${unknown}" is not a filter of the export; use ${PARAMETERS.join(', ')}.`);
  }
  const actions = single(query, 'actions');
  const from = single(query, 'from');
  const to = single(query, 'to');
  return {
    entityType: single(query, 'entityType') ?? null,
    entityId: single(query, 'entityId') ?? null,
    actions: actions === undefined ? null : actionsOf(actions),
    performedBy: single(query, 'performedBy') ?? null,
    from: from === undefined ? null : instantOf('from', from),
    to: to === undefined ? null : instantOf('to', to),
    changedField: single(query, 'changedField') ?? null,
  };
}
