import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateNotificationsTables1764600000000 implements MigrationInterface {
  name = 'CreateNotificationsTables1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    // recipient_id names an account of user-service and event_id an event of another service: no
    // foreign keys across schemas. The unique pair is the "once per event per recipient, ever"
    // rule, kept even if an inbox row were pruned and the event came back.
    await queryRunner.query(`
      CREATE TABLE ${s}.notifications (
        id           uuid        PRIMARY KEY,
        recipient_id uuid        NOT NULL,
        event_id     uuid        NOT NULL,
        type         text        NOT NULL,
        title        text        NOT NULL,
        body         text        NOT NULL,
        data         jsonb       NOT NULL,
        read_at      timestamptz,
        created_at   timestamptz NOT NULL,
        CONSTRAINT notifications_event_id_recipient_id_key UNIQUE (event_id, recipient_id)
      )`);
    // A recipient's list, newest first; and its unread part.
    await queryRunner.query(
      `CREATE INDEX notifications_recipient_id_created_at_idx
         ON ${s}.notifications (recipient_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX notifications_unread_idx
         ON ${s}.notifications (recipient_id, created_at DESC, id DESC) WHERE read_at IS NULL`,
    );

    // The account directory, from user events: who is staff now, and (later) where to mail.
    await queryRunner.query(`
      CREATE TABLE ${s}.accounts (
        user_id       uuid        PRIMARY KEY,
        role          text        NOT NULL,
        email         text        NOT NULL,
        full_name     text,
        last_event_at timestamptz NOT NULL,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT accounts_role_check CHECK (role IN ('user', 'agent', 'admin'))
      )`);
    // The staff, read for every submitted request, are few among the clients.
    await queryRunner.query(
      `CREATE INDEX accounts_staff_idx ON ${s}.accounts (user_id) WHERE role IN ('agent', 'admin')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    await queryRunner.query(`DROP TABLE ${s}.accounts`);
    await queryRunner.query(`DROP TABLE ${s}.notifications`);
  }
}
