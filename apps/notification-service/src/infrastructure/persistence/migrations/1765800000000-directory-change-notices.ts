import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change that alters who is staff (an account's role) or which webhooks want which events
 * (a subscription's `active` and `events`) notifies the channel `<schema>.directory` when it
 * commits: each replica keeps both in memory between changes (`DirectoryCache`) instead of
 * reading them for every event it handles.
 */
export class DirectoryChangeNotices1765800000000 implements MigrationInterface {
  name = 'DirectoryChangeNotices1765800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    await queryRunner.query(`
      CREATE FUNCTION ${s}.notify_directory_changed() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(TG_TABLE_SCHEMA || '.directory', TG_TABLE_NAME);
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER accounts_directory_changed
        AFTER INSERT OR DELETE OR UPDATE OF role ON ${s}.accounts
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.notify_directory_changed()`);
    await queryRunner.query(`
      CREATE TRIGGER accounts_directory_truncated
        AFTER TRUNCATE ON ${s}.accounts
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.notify_directory_changed()`);
    await queryRunner.query(`
      CREATE TRIGGER webhook_subscriptions_directory_changed
        AFTER INSERT OR DELETE OR UPDATE OF active, events ON ${s}.webhook_subscriptions
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.notify_directory_changed()`);
    await queryRunner.query(`
      CREATE TRIGGER webhook_subscriptions_directory_truncated
        AFTER TRUNCATE ON ${s}.webhook_subscriptions
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.notify_directory_changed()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    await queryRunner.query(
      `DROP TRIGGER webhook_subscriptions_directory_truncated ON ${s}.webhook_subscriptions`,
    );
    await queryRunner.query(
      `DROP TRIGGER webhook_subscriptions_directory_changed ON ${s}.webhook_subscriptions`,
    );
    await queryRunner.query(`DROP TRIGGER accounts_directory_truncated ON ${s}.accounts`);
    await queryRunner.query(`DROP TRIGGER accounts_directory_changed ON ${s}.accounts`);
    await queryRunner.query(`DROP FUNCTION ${s}.notify_directory_changed()`);
  }
}
