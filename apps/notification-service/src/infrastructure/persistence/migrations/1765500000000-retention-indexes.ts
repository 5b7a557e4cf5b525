import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RetentionIndexes1765500000000 implements MigrationInterface {
  name = 'RetentionIndexes1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    // The retention job's queries (src/infrastructure/retention): settled mail and finished
    // deliveries, oldest first, so each batch reads only what it deletes. The expressions are the
    // job's, word for word.
    await queryRunner.query(
      `CREATE INDEX mail_outbox_settled_idx
         ON ${s}.mail_outbox ((coalesce(sent_at, due_at))) WHERE status <> 'pending'`,
    );
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_finished_idx
         ON ${s}.webhook_deliveries ((coalesce(last_attempt_at, created_at)))
         WHERE status <> 'pending'`,
    );
    // Secrets are stored encrypted from now on (v1.<key id>.<nonce>.<ciphertext>): this migration
    // runs without the key, so the rows still in plain text are encrypted by the service at its
    // next start (WebhookSecretSealing), or by `cli.js reencrypt-secrets`.
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    await queryRunner.query(`DROP INDEX ${s}.webhook_deliveries_finished_idx`);
    await queryRunner.query(`DROP INDEX ${s}.mail_outbox_settled_idx`);
  }
}
