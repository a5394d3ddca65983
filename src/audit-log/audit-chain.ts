/**
 * The database side of the audit log's two guarantees, declared once here so that the entities,
 * the migration check and the verifier agree on them:
 *
 * - completeness: a change to an audited row commits only with an audit_log row for it written by
 *   the same transaction (deferred constraint triggers on the audited tables);
 * - tamper evidence: each entity's entries form a hash chain (seq, previous_hash, hash) that a
 *   BEFORE INSERT trigger fills in under a per-entity lock (its audit_log_head row), whoever writes the row.
 */

export const ENTRY_HASH_FUNCTION = 'audit_log_entry_hash';

/**
 * The SQL expression that hashes the audit_log row aliased `row` onto `previous` (a hash or null).
 * audit_log_entry_hash, created by the migration Migration20261130015535_audit_chain, is the one
 * definition of an entry's canonical content: a JSON array of entity type, entity id, action,
 * changes (jsonb's text form is canonical), actor id at write time, the instant in UTC with its
 * microseconds, address and agent, appended to the previous hash and hashed with SHA-256.
 */
export function entryHashSql(row: string, previous: string): string {
  return `"${ENTRY_HASH_FUNCTION}"(${previous}, ${row}.entity_type, ${row}.entity_id, ${row}.action, ${row}.changes, ${row}.actor_id, ${row}.performed_at, ${row}.ip_address, ${row}.user_agent)`;
}

/**
 * Fills in the chain columns of each new entry, overwriting whatever the writer supplied: only the
 * database numbers and hashes. The upsert on audit_log_head locks the entity's head row until the
 * transaction ends; a concurrent writer of the same entity waits there and, once this one commits,
 * continues from this entry (ON CONFLICT DO UPDATE works on the newest committed version).
 */
export const CHAIN_TRIGGER_BODY =
  'new.actor_id := new.performed_by; ' +
  'new.tx_id := pg_current_xact_id(); ' +
  'insert into audit_log_head as h (entity_type, entity_id, seq, previous_hash, hash) ' +
  `values (new.entity_type, new.entity_id, 1, null, ${entryHashSql('new', 'null')}) ` +
  'on conflict (entity_type, entity_id) do update ' +
  `set seq = h.seq + 1, previous_hash = h.hash, hash = ${entryHashSql('new', 'h.hash')} ` +
  'returning h.seq, h.previous_hash, h.hash into new.seq, new.previous_hash, new.hash; ' +
  'return new;';

export const REQUIRE_ENTRY_FUNCTION = 'audit_log_require_entry_fn';

/** The completeness check, run at commit for each audited row a transaction inserted, deleted or changed. */
export const REQUIRE_ENTRY_FUNCTION_DDL =
  `create or replace function "${REQUIRE_ENTRY_FUNCTION}"() returns trigger as $$ declare row_id text; begin` +
  ` row_id := case when tg_op = 'DELETE' then old.id::text else new.id::text end;` +
  ` if not exists (select 1 from audit_log a where a.tx_id = pg_current_xact_id() and a.entity_type = tg_argv[0] and a.entity_id = row_id) then` +
  ` raise exception '% of %.id = % without its audit_log entry in the same transaction', tg_op, tg_table_name, row_id` +
  ` using errcode = 'integrity_constraint_violation', hint = 'write an audit_log row for this ' || tg_argv[0] || ' in the same transaction';` +
  ` end if; return null; end; $$ language plpgsql`;

/**
 * Deferred constraint triggers: checked at COMMIT, after the writer had the chance to add its
 * entry. An UPDATE is checked only when an audited column changed, so a foreign key's own
 * ON DELETE SET NULL (a user's deletion nulls created_by) passes.
 */
export function requireEntryTriggerDdl(table: string, entityType: string, auditedColumns: readonly string[]): {
  onWrite: string;
  onUpdate: string;
} {
  const columns = (prefix: string) => auditedColumns.map((column) => `${prefix}.${column}`).join(', ');
  const deferred = `deferrable initially deferred for each row`;
  return {
    onWrite: `create constraint trigger "require_audit_entry" after insert or delete on "${table}" ${deferred} execute function "${REQUIRE_ENTRY_FUNCTION}"('${entityType}')`,
    onUpdate:
      `create constraint trigger "require_audit_entry_on_update" after update on "${table}" ${deferred}` +
      ` when ((${columns('old')}) is distinct from (${columns('new')})) execute function "${REQUIRE_ENTRY_FUNCTION}"('${entityType}')`,
  };
}
