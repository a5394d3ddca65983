import { Migration } from '@mikro-orm/migrations';

export class Migration20261125121903_initial extends Migration {

  override name = 'Migration20261125121903_initial';

  override up(): void | Promise<void> {
    // Trigram indexes serve the case-insensitive search over title and description.
    this.addSql(`create extension if not exists pg_trgm;`);
    this.addSql(`create table "users" ("id" serial primary key, "role" varchar(20) not null default 'user', "email" varchar(255) not null, "clerk_user_id" varchar(255) not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`comment on table "users" is 'Accounts, one per Clerk user; roles live here, never in tokens';`);
    this.addSql(`comment on column "users"."role" is 'user, agent or admin';`);
    this.addSql(`comment on column "users"."clerk_user_id" is 'The Clerk user id (the token subject)';`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
    this.addSql(`alter table "users" add constraint "users_clerk_user_id_unique" unique ("clerk_user_id");`);

    this.addSql(`create table "properties" ("id" uuid not null, "title" varchar(255) not null, "description" text null, "is_published" boolean not null default false, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "created_by" int null, "updated_by" int null, "published_by" int null, primary key ("id"));`);
    this.addSql(`comment on table "properties" is 'Listings that agents create and publish';`);
    this.addSql(`create index "idx_properties_is_published" on "properties" ("is_published");`);
    this.addSql(`create index "idx_properties_created_by" on "properties" ("created_by");`);
    this.addSql(`create index "idx_properties_description_trgm" on "properties" using gin ("description" gin_trgm_ops);`);
    this.addSql(`create index "idx_properties_title_trgm" on "properties" using gin ("title" gin_trgm_ops);`);
    this.addSql(`create index "idx_properties_title_id" on "properties" ("title", "id");`);
    this.addSql(`create index "idx_properties_updated_at_id" on "properties" ("updated_at", "id");`);
    this.addSql(`create index "idx_properties_created_at_id" on "properties" ("created_at", "id");`);

    this.addSql(`create table "audit_log" ("id" uuid not null, "entity_type" varchar(50) not null, "entity_id" varchar(64) not null, "action" varchar(50) not null, "performed_by" int null, "performed_at" timestamptz not null default now(), "changes" jsonb null, "ip_address" varchar(45) null, "user_agent" text null, primary key ("id"));`);
    this.addSql(`comment on table "audit_log" is 'Append-only record of every change to an audited entity';`);
    this.addSql(`comment on column "audit_log"."entity_type" is 'Audited entity kind: ''property'' or ''user''';`);
    this.addSql(`comment on column "audit_log"."entity_id" is 'Primary key of the audited row, as text (uuid or integer)';`);
    this.addSql(`comment on column "audit_log"."action" is 'create, update, delete, publish or unpublish';`);
    this.addSql(`comment on column "audit_log"."performed_by" is 'User who made the change; null once that user is deleted';`);
    this.addSql(`comment on column "audit_log"."performed_at" is 'When the change was flushed';`);
    this.addSql(`comment on column "audit_log"."changes" is 'Field name -> {"old": value, "new": value}';`);
    this.addSql(`comment on column "audit_log"."ip_address" is 'Client address of the request that made the change';`);
    this.addSql(`comment on column "audit_log"."user_agent" is 'User-Agent of the request that made the change';`);
    this.addSql(`create index "idx_audit_log_changes" on "audit_log" using gin ("changes");`);
    this.addSql(`create index "idx_audit_log_action" on "audit_log" ("action", "performed_at" desc, "id" desc);`);
    this.addSql(`create index "idx_audit_log_performed_at" on "audit_log" ("performed_at" desc, "id" desc);`);
    this.addSql(`create index "idx_audit_log_performed_by" on "audit_log" ("performed_by", "performed_at" desc, "id" desc);`);
    this.addSql(`create index "idx_audit_log_entity" on "audit_log" ("entity_type", "entity_id", "performed_at" desc, "id" desc);`);

    this.addSql(`alter table "users" add constraint "users_role_check" check ("role" in ('user', 'agent', 'admin'));`);

    this.addSql(`alter table "properties" add constraint "fk_properties_created_by" foreign key ("created_by") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "properties" add constraint "fk_properties_updated_by" foreign key ("updated_by") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "properties" add constraint "fk_properties_published_by" foreign key ("published_by") references "users" ("id") on delete set null;`);

    this.addSql(`alter table "audit_log" add constraint "fk_audit_log_performed_by" foreign key ("performed_by") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "audit_log" add constraint "audit_log_action_check" check ("action" in ('create', 'update', 'delete', 'publish', 'unpublish'));`);
    this.addSql(`create or replace function "audit_log_refuse_delete_fn"() returns trigger as \$\$ begin raise exception 'audit_log is append-only: % is not allowed', tg_op using errcode = 'restrict_violation'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "refuse_delete" BEFORE DELETE on "audit_log" for each ROW execute function "audit_log_refuse_delete_fn"();`);
    this.addSql(`create or replace function "audit_log_refuse_update_fn"() returns trigger as \$\$ begin if pg_trigger_depth() > 1 and new.performed_by is null and (new.id, new.entity_type, new.entity_id, new.action, new.performed_at, new.changes, new.ip_address, new.user_agent) is not distinct from (old.id, old.entity_type, old.entity_id, old.action, old.performed_at, old.changes, old.ip_address, old.user_agent) then return new; end if; raise exception 'audit_log is append-only: % is not allowed', tg_op using errcode = 'restrict_violation'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "refuse_update" BEFORE UPDATE on "audit_log" for each ROW execute function "audit_log_refuse_update_fn"();`);
    // Statement triggers are invisible to the ORM's schema introspection, so this one lives here only.
    this.addSql(`create or replace function "audit_log_refuse_truncate_fn"() returns trigger as \$\$ begin raise exception 'audit_log is append-only: % is not allowed', tg_op using errcode = 'restrict_violation'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "refuse_truncate" BEFORE TRUNCATE on "audit_log" for each STATEMENT execute function "audit_log_refuse_truncate_fn"();`);

    this.addSql(`insert into "users" ("clerk_user_id", "email", "role") values ('system_00000000000000000000', 'system@bestays.app', 'admin') on conflict ("clerk_user_id") do nothing;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`delete from "users" where "clerk_user_id" = 'system_00000000000000000000';`);
    this.addSql(`drop trigger if exists "refuse_truncate" on "audit_log";`);
    this.addSql(`drop function if exists "audit_log_refuse_truncate_fn"();`);
    this.addSql(`alter table "properties" drop constraint "fk_properties_created_by";`);
    this.addSql(`alter table "properties" drop constraint "fk_properties_updated_by";`);
    this.addSql(`alter table "properties" drop constraint "fk_properties_published_by";`);
    this.addSql(`alter table "audit_log" drop constraint "fk_audit_log_performed_by";`);

    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop table if exists "properties" cascade;`);
    this.addSql(`drop trigger if exists "refuse_delete" on "audit_log";`);
    this.addSql(`drop function if exists "audit_log_refuse_delete_fn"();`);
    this.addSql(`drop trigger if exists "refuse_update" on "audit_log";`);
    this.addSql(`drop function if exists "audit_log_refuse_update_fn"();`);
    this.addSql(`drop table if exists "audit_log" cascade;`);
    this.addSql(`drop extension if exists pg_trgm;`);
  }

}
