import { Migration } from '@mikro-orm/migrations';

export class Migration20261130023915_audit_feed extends Migration {

  override name = 'Migration20261130023915_audit_feed';

  override up(): void | Promise<void> {
    this.addSql(`create or replace function "audit_log_notify_added_fn"() returns trigger as \$\$ begin perform pg_notify('bestays_audit_log_added', new.id::text); return null; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "notify_added" AFTER INSERT on "audit_log" for each ROW execute function "audit_log_notify_added_fn"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "notify_added" on "audit_log";`);
    this.addSql(`drop function if exists "audit_log_notify_added_fn"();`);
  }

}
