import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff are mailed new requests as a digest (kind `new_requests`: the requests notified to the
 * recipient since `since`), one pending per staff member, like the clients' chat digest (one
 * pending per client and conversation). Both are kept unique by one index over (recipient, kind,
 * conversation), the conversation null for the requests digest (NULLS NOT DISTINCT: PostgreSQL 15),
 * so that the one insert of an event's mail rows has one conflict target.
 */
export class NewRequestsDigest1765600000000 implements MigrationInterface {
  name = 'NewRequestsDigest1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    await queryRunner.query(`
      ALTER TABLE ${s}.mail_outbox DROP CONSTRAINT mail_outbox_kind_check,
        ADD CONSTRAINT mail_outbox_kind_check CHECK (
          (kind = 'notification' AND notification_id IS NOT NULL)
          OR (kind = 'digest' AND conversation_id IS NOT NULL)
          OR (kind = 'new_requests' AND notification_id IS NULL AND conversation_id IS NULL))`);
    await queryRunner.query(`DROP INDEX ${s}.mail_outbox_pending_digest_key`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX mail_outbox_pending_digest_key
         ON ${s}.mail_outbox (recipient_id, kind, conversation_id) NULLS NOT DISTINCT
         WHERE kind <> 'notification' AND status = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    // The requests digests cannot be kept under the old rules: they are dropped.
    await queryRunner.query(`DELETE FROM ${s}.mail_outbox WHERE kind = 'new_requests'`);
    await queryRunner.query(`DROP INDEX ${s}.mail_outbox_pending_digest_key`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX mail_outbox_pending_digest_key
         ON ${s}.mail_outbox (recipient_id, conversation_id) WHERE kind = 'digest' AND status = 'pending'`,
    );
    await queryRunner.query(`
      ALTER TABLE ${s}.mail_outbox DROP CONSTRAINT mail_outbox_kind_check,
        ADD CONSTRAINT mail_outbox_kind_check CHECK (
          (kind = 'notification' AND notification_id IS NOT NULL)
          OR (kind = 'digest' AND conversation_id IS NOT NULL))`);
  }
}
