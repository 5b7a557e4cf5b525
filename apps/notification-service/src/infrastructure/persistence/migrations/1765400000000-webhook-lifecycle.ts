import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class WebhookLifecycle1765400000000 implements MigrationInterface {
  name = 'WebhookLifecycle1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    // `failing_since`: the first failed attempt since the last success (null: healthy), what
    // auto-disable measures. `disabled_at` / `disabled_reason`: when and why it was turned off
    // (by an admin, or by the service after failing for WEBHOOK_DISABLE_AFTER_MS).
    await queryRunner.query(`
      ALTER TABLE ${s}.webhook_subscriptions
        ADD COLUMN failing_since   timestamptz,
        ADD COLUMN disabled_at     timestamptz,
        ADD COLUMN disabled_reason text`);
    // The secrets a rotation replaced, kept (like the current one) until `expires_at`: every
    // request is signed with them too until then, so receivers can switch without losing one.
    await queryRunner.query(`
      CREATE TABLE ${s}.webhook_previous_secrets (
        subscription_id uuid        NOT NULL
                        REFERENCES ${s}.webhook_subscriptions (id) ON DELETE CASCADE,
        secret          text        NOT NULL,
        expires_at      timestamptz NOT NULL,
        created_at      timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX webhook_previous_secrets_subscription_idx
         ON ${s}.webhook_previous_secrets (subscription_id, expires_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    await queryRunner.query(`DROP TABLE ${s}.webhook_previous_secrets`);
    await queryRunner.query(`
      ALTER TABLE ${s}.webhook_subscriptions
        DROP COLUMN failing_since, DROP COLUMN disabled_at, DROP COLUMN disabled_reason`);
  }
}
