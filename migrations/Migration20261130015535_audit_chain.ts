import { Migration } from '@mikro-orm/migrations';

export class Migration20261130015535_audit_chain extends Migration {

  override name = 'Migration20261130015535_audit_chain';

  override up(): void | Promise<void> {
    // The one definition of an entry's canonical content and hash: the chain trigger and the verifiers call it.
    this.addSql(`create or replace function "audit_log_entry_hash"(previous_hash text, entity_type text, entity_id text, action text, changes jsonb, actor_id integer, performed_at timestamptz, ip_address text, user_agent text) returns text language sql stable parallel safe as \$\$ select encode(sha256(convert_to(coalesce(previous_hash, '') || jsonb_build_array(entity_type, entity_id, action, changes, actor_id, to_char(performed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), ip_address, user_agent)::text, 'UTF8')), 'hex') \$\$;`);

    // The columns arrive nullable, are filled for the existing entries, then made mandatory.
    // tx_id's default is volatile, so the existing entries carry this migration's transaction.
    this.addSql(`drop trigger if exists "refuse_update" on "audit_log";`);
    this.addSql(`drop function if exists "audit_log_refuse_update_fn"();`);
    this.addSql(`alter table "audit_log" add "actor_id" int null, add "tx_id" xid8 not null default pg_current_xact_id(), add "seq" int null, add "previous_hash" varchar(64) null, add "hash" varchar(64) null;`);
    this.addSql(`comment on column "audit_log"."actor_id" is 'performed_by as written, kept when that user is deleted: the actor the hash covers';`);
    this.addSql(`comment on column "audit_log"."tx_id" is 'The writing transaction: lets a commit check that each audited change has its entry';`);
    this.addSql(`comment on column "audit_log"."seq" is 'Position in the entity''s chain: 1, 2, 3… in commit order';`);
    this.addSql(`comment on column "audit_log"."previous_hash" is 'The hash of the entity''s previous entry; null for the first';`);
    this.addSql(`comment on column "audit_log"."hash" is 'SHA-256 (hex) over previous_hash and the entry''s canonical content, see audit_log_entry_hash';`);

    // Existing entries are chained per entity in (performed_at, id) order, one chain link per step of the recursion.
    this.addSql(`create temporary table "audit_log_backfill" on commit drop as select "id", "entity_type", "entity_id", "action", "changes", "performed_by", "performed_at", "ip_address", "user_agent", (row_number() over (partition by "entity_type", "entity_id" order by "performed_at", "id"))::int as "seq" from "audit_log";`);
    this.addSql(`create unique index on "audit_log_backfill" ("entity_type", "entity_id", "seq");`);
    this.addSql(`analyze "audit_log_backfill";`);
    this.addSql(`with recursive "chain" as (select b."id", b."entity_type", b."entity_id", b."seq", null::text as "previous_hash", "audit_log_entry_hash"(null, b."entity_type", b."entity_id", b."action", b."changes", b."performed_by", b."performed_at", b."ip_address", b."user_agent") as "hash" from "audit_log_backfill" b where b."seq" = 1 union all select b."id", b."entity_type", b."entity_id", b."seq", c."hash", "audit_log_entry_hash"(c."hash", b."entity_type", b."entity_id", b."action", b."changes", b."performed_by", b."performed_at", b."ip_address", b."user_agent") from "chain" c join "audit_log_backfill" b on b."entity_type" = c."entity_type" and b."entity_id" = c."entity_id" and b."seq" = c."seq" + 1) update "audit_log" a set "actor_id" = a."performed_by", "seq" = c."seq", "previous_hash" = c."previous_hash", "hash" = c."hash" from "chain" c where a."id" = c."id";`);
    this.addSql(`alter table "audit_log" alter column "seq" set not null, alter column "hash" set not null;`);
    this.addSql(`create index "idx_audit_log_tx_id" on "audit_log" ("tx_id");`);
    this.addSql(`alter table "audit_log" add constraint "audit_log_entity_seq_unique" unique ("entity_type", "entity_id", "seq");`);
    this.addSql(`create table "audit_log_head" ("entity_type" varchar(50) not null, "entity_id" varchar(64) not null, "seq" int not null, "previous_hash" varchar(64) null, "hash" varchar(64) not null, primary key ("entity_type", "entity_id"));`);
    this.addSql(`comment on table "audit_log_head" is 'The newest link of each entity''s audit chain, kept by the chain trigger';`);
    this.addSql(`insert into "audit_log_head" ("entity_type", "entity_id", "seq", "previous_hash", "hash") select distinct on ("entity_type", "entity_id") "entity_type", "entity_id", "seq", "previous_hash", "hash" from "audit_log" order by "entity_type", "entity_id", "seq" desc;`);
    this.addSql(`create or replace function "audit_log_chain_fn"() returns trigger as \$\$ begin new.actor_id := new.performed_by; new.tx_id := pg_current_xact_id(); insert into audit_log_head as h (entity_type, entity_id, seq, previous_hash, hash) values (new.entity_type, new.entity_id, 1, null, "audit_log_entry_hash"(null, new.entity_type, new.entity_id, new.action, new.changes, new.actor_id, new.performed_at, new.ip_address, new.user_agent)) on conflict (entity_type, entity_id) do update set seq = h.seq + 1, previous_hash = h.hash, hash = "audit_log_entry_hash"(h.hash, new.entity_type, new.entity_id, new.action, new.changes, new.actor_id, new.performed_at, new.ip_address, new.user_agent) returning h.seq, h.previous_hash, h.hash into new.seq, new.previous_hash, new.hash; return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "chain" BEFORE INSERT on "audit_log" for each ROW execute function "audit_log_chain_fn"();`);
    this.addSql(`create or replace function "audit_log_refuse_update_fn"() returns trigger as \$\$ begin if pg_trigger_depth() > 1 and new.performed_by is null and (new.id, new.entity_type, new.entity_id, new.action, new.performed_at, new.changes, new.ip_address, new.user_agent, new.actor_id, new.tx_id, new.seq, new.previous_hash, new.hash) is not distinct from (old.id, old.entity_type, old.entity_id, old.action, old.performed_at, old.changes, old.ip_address, old.user_agent, old.actor_id, old.tx_id, old.seq, old.previous_hash, old.hash) then return new; end if; raise exception 'audit_log is append-only: % is not allowed', tg_op using errcode = 'restrict_violation'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "refuse_update" BEFORE UPDATE on "audit_log" for each ROW execute function "audit_log_refuse_update_fn"();`);

    // Completeness, checked at commit. Created after the seeded system user, which predates the audit log's rule.
    this.addSql(`create or replace function "audit_log_require_entry_fn"() returns trigger as \$\$ declare row_id text; begin row_id := case when tg_op = 'DELETE' then old.id::text else new.id::text end; if not exists (select 1 from audit_log a where a.tx_id = pg_current_xact_id() and a.entity_type = tg_argv[0] and a.entity_id = row_id) then raise exception '% of %.id = % without its audit_log entry in the same transaction', tg_op, tg_table_name, row_id using errcode = 'integrity_constraint_violation', hint = 'write an audit_log row for this ' || tg_argv[0] || ' in the same transaction'; end if; return null; end; \$\$ language plpgsql;`);
    this.addSql(`create constraint trigger "require_audit_entry" after insert or delete on "users" deferrable initially deferred for each row execute function "audit_log_require_entry_fn"('user');`);
    this.addSql(`create constraint trigger "require_audit_entry_on_update" after update on "users" deferrable initially deferred for each row when ((old.role, old.email, old.clerk_user_id) is distinct from (new.role, new.email, new.clerk_user_id)) execute function "audit_log_require_entry_fn"('user');`);
    this.addSql(`create constraint trigger "require_audit_entry" after insert or delete on "properties" deferrable initially deferred for each row execute function "audit_log_require_entry_fn"('property');`);
    this.addSql(`create constraint trigger "require_audit_entry_on_update" after update on "properties" deferrable initially deferred for each row when ((old.title, old.description, old.is_published) is distinct from (new.title, new.description, new.is_published)) execute function "audit_log_require_entry_fn"('property');`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "require_audit_entry_on_update" on "properties";`);
    this.addSql(`drop trigger if exists "require_audit_entry" on "properties";`);
    this.addSql(`drop trigger if exists "require_audit_entry_on_update" on "users";`);
    this.addSql(`drop trigger if exists "require_audit_entry" on "users";`);
    this.addSql(`drop function if exists "audit_log_require_entry_fn"();`);

    this.addSql(`drop trigger if exists "chain" on "audit_log";`);
    this.addSql(`drop function if exists "audit_log_chain_fn"();`);
    this.addSql(`drop table if exists "audit_log_head";`);
    this.addSql(`drop trigger if exists "refuse_update" on "audit_log";`);
    this.addSql(`drop function if exists "audit_log_refuse_update_fn"();`);
    this.addSql(`alter table "audit_log" drop constraint "audit_log_entity_seq_unique";`);
    this.addSql(`drop index "idx_audit_log_tx_id";`);
    this.addSql(`alter table "audit_log" drop column "actor_id", drop column "tx_id", drop column "seq", drop column "previous_hash", drop column "hash";`);
    this.addSql(`create or replace function "audit_log_refuse_update_fn"() returns trigger as \$\$ begin if pg_trigger_depth() > 1 and new.performed_by is null and (new.id, new.entity_type, new.entity_id, new.action, new.performed_at, new.changes, new.ip_address, new.user_agent) is not distinct from (old.id, old.entity_type, old.entity_id, old.action, old.performed_at, old.changes, old.ip_address, old.user_agent) then return new; end if; raise exception 'audit_log is append-only: % is not allowed', tg_op using errcode = 'restrict_violation'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "refuse_update" BEFORE UPDATE on "audit_log" for each ROW execute function "audit_log_refuse_update_fn"();`);

    this.addSql(`drop function if exists "audit_log_entry_hash"(text, text, text, text, jsonb, integer, timestamptz, text, text);`);
  }

}
