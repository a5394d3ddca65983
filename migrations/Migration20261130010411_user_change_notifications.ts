import { Migration } from '@mikro-orm/migrations';

export class Migration20261130010411_user_change_notifications extends Migration {

  override name = 'Migration20261130010411_user_change_notifications';

  override up(): void | Promise<void> {
    this.addSql(`create or replace function "users_notify_user_changed_fn"() returns trigger as \$\$ begin perform pg_notify('bestays_user_changed', old.id::text); return null; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "notify_user_changed" AFTER UPDATE OR DELETE on "users" for each ROW execute function "users_notify_user_changed_fn"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "notify_user_changed" on "users";`);
    this.addSql(`drop function if exists "users_notify_user_changed_fn"();`);
  }

}
