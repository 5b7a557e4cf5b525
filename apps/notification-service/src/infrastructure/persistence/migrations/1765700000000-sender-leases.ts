import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The senders claim rows with a lease instead of holding their row locks while they send: a
 * claimed row is `sending`, with the claim's token and the end of its lease (`claimed_until`); it
 * is finished only by that claim, or claimed again once the lease has expired (a process that
 * died). The pending digest index already covers pending rows only, so a digest being sent no
 * longer holds up the next one.
 */
export class SenderLeases1765700000000 implements MigrationInterface {
  name = 'SenderLeases1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    await queryRunner.query(`
      ALTER TABLE ${s}.mail_outbox
        ADD COLUMN claim_token uuid,
        ADD COLUMN claimed_until timestamptz,
        DROP CONSTRAINT mail_outbox_status_check,
        ADD CONSTRAINT mail_outbox_status_check
          CHECK (status IN ('pending', 'sending', 'sent', 'skipped'))`);
    await queryRunner.query(`
      ALTER TABLE ${s}.webhook_deliveries
        ADD COLUMN claim_token uuid,
        ADD COLUMN claimed_until timestamptz,
        DROP CONSTRAINT webhook_deliveries_status_check,
        ADD CONSTRAINT webhook_deliveries_status_check
          CHECK (status IN ('pending', 'sending', 'succeeded', 'failed'))`);
    // The claims' second query: the rows whose lease has expired, oldest first.
    await queryRunner.query(
      `CREATE INDEX mail_outbox_claimed_idx ON ${s}.mail_outbox (claimed_until)
         WHERE status = 'sending'`,
    );
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_claimed_idx ON ${s}.webhook_deliveries (claimed_until)
         WHERE status = 'sending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    // What was being sent is due again (at least once). A digest that has a pending successor
    // meanwhile is folded into it, as the sender does: one pending digest per scope.
    await queryRunner.query(`
      UPDATE ${s}.mail_outbox p SET since = least(p.since, m.since)
        FROM ${s}.mail_outbox m
       WHERE m.status = 'sending' AND m.kind <> 'notification' AND p.status = 'pending'
         AND p.recipient_id = m.recipient_id AND p.kind = m.kind
         AND p.conversation_id IS NOT DISTINCT FROM m.conversation_id`);
    await queryRunner.query(`
      UPDATE ${s}.mail_outbox m SET status = 'skipped'
       WHERE m.status = 'sending' AND m.kind <> 'notification'
         AND EXISTS (SELECT 1 FROM ${s}.mail_outbox p
                      WHERE p.status = 'pending' AND p.recipient_id = m.recipient_id
                        AND p.kind = m.kind
                        AND p.conversation_id IS NOT DISTINCT FROM m.conversation_id)`);
    await queryRunner.query(
      `UPDATE ${s}.mail_outbox SET status = 'pending' WHERE status = 'sending'`,
    );
    await queryRunner.query(
      `UPDATE ${s}.webhook_deliveries SET status = 'pending' WHERE status = 'sending'`,
    );
    await queryRunner.query(`DROP INDEX ${s}.webhook_deliveries_claimed_idx`);
    await queryRunner.query(`DROP INDEX ${s}.mail_outbox_claimed_idx`);
    await queryRunner.query(`
      ALTER TABLE ${s}.webhook_deliveries
        DROP COLUMN claim_token, DROP COLUMN claimed_until,
        DROP CONSTRAINT webhook_deliveries_status_check,
        ADD CONSTRAINT webhook_deliveries_status_check
          CHECK (status IN ('pending', 'succeeded', 'failed'))`);
    await queryRunner.query(`
      ALTER TABLE ${s}.mail_outbox
        DROP COLUMN claim_token, DROP COLUMN claimed_until,
        DROP CONSTRAINT mail_outbox_status_check,
        ADD CONSTRAINT mail_outbox_status_check CHECK (status IN ('pending', 'sent', 'skipped'))`);
  }
}
