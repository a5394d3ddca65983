import type { TestServer } from './server.js';

type AuditedType = 'property' | 'user';
type AuditedAction = 'create' | 'update' | 'delete';

/**
 * An INSERT, UPDATE or DELETE on `properties` or `users` written by plain SQL as a DBA would: one
 * statement that also writes an audit entry (by no user) for each row it touched, so the commit
 * passes the database's completeness check. `statement` must not end in a RETURNING clause.
 */
export async function auditedSql<Row extends Record<string, unknown> = Record<string, unknown>>(
  server: Pick<TestServer, 'sql'>,
  entity: { type: AuditedType; action: AuditedAction },
  statement: string,
  params: unknown[] = [],
): Promise<Row[]> {
  return await server.sql<Row>(
    `with changed as (${statement} returning *),
     audited as (
       insert into audit_log (id, entity_type, entity_id, action, performed_by, changes)
       select gen_random_uuid(), '${entity.type}', changed.id::text, '${entity.action}', null, '{}' from changed
     )
     select * from changed`,
    params,
  );
}
