import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMailOutbox1764700000000 implements MigrationInterface {
  name = 'CreateMailOutbox1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    // One row per e-mail to send, written in the transaction of the notification(s) it is about,
    // so a crash loses none; the sender marks it sent, or counts the attempt and tries later.
    // kind 'notification': the mail of one notification; kind 'digest': the staff replies of one
    // conversation a client has not read since `since`. No foreign key: a notification is never
    // deleted, and the mail row must outlive nothing it names.
    await queryRunner.query(`
      CREATE TABLE ${s}.mail_outbox (
        id              uuid        PRIMARY KEY,
        recipient_id    uuid        NOT NULL,
        kind            text        NOT NULL,
        notification_id uuid,
        conversation_id uuid,
        since           timestamptz NOT NULL,
        status          text        NOT NULL DEFAULT 'pending',
        due_at          timestamptz NOT NULL,
        attempts        integer     NOT NULL DEFAULT 0,
        last_error      text,
        sent_at         timestamptz,
        created_at      timestamptz NOT NULL,
        CONSTRAINT mail_outbox_kind_check CHECK (
          (kind = 'notification' AND notification_id IS NOT NULL)
          OR (kind = 'digest' AND conversation_id IS NOT NULL)),
        CONSTRAINT mail_outbox_status_check CHECK (status IN ('pending', 'sent', 'skipped'))
      )`);
    // At most one digest waiting per client and conversation: later replies join it.
    await queryRunner.query(
      `CREATE UNIQUE INDEX mail_outbox_pending_digest_key
         ON ${s}.mail_outbox (recipient_id, conversation_id) WHERE kind = 'digest' AND status = 'pending'`,
    );
    // The sender's query: what is due, oldest first.
    await queryRunner.query(
      `CREATE INDEX mail_outbox_due_idx ON ${s}.mail_outbox (due_at) WHERE status = 'pending'`,
    );
    // Which events each user is mailed about, from the notification part of their preferences
    // (user.updated's notification_preferences): {"request.assigned": false, ...}; a user or an
    // event not here is mailed. as_of: the time of the state held (a newer one replaces it).
    await queryRunner.query(`
      CREATE TABLE ${s}.mail_preferences (
        user_id uuid        PRIMARY KEY,
        email   jsonb       NOT NULL,
        as_of   timestamptz NOT NULL
      )`);
    // A digest lists a conversation's unread replies of one client.
    await queryRunner.query(
      `CREATE INDEX notifications_unread_conversation_idx
         ON ${s}.notifications (recipient_id, (data ->> 'conversation_id'), created_at)
         WHERE read_at IS NULL AND type = 'message.created'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    await queryRunner.query(`DROP INDEX ${s}.notifications_unread_conversation_idx`);
    await queryRunner.query(`DROP TABLE ${s}.mail_preferences`);
    await queryRunner.query(`DROP TABLE ${s}.mail_outbox`);
  }
}
