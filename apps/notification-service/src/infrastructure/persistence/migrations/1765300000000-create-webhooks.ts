import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateWebhooks1765300000000 implements MigrationInterface {
  name = 'CreateWebhooks1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    // The admins' webhook subscriptions. `secret` is the signing key `whsec_<base64>`, shown once
    // at creation; `events` holds routing keys or '*'. A deleted subscription is gone: its
    // deliveries go with it, so nothing more is sent to it.
    await queryRunner.query(`
      CREATE TABLE ${s}.webhook_subscriptions (
        id         uuid        PRIMARY KEY,
        url        text        NOT NULL,
        events     text[]      NOT NULL,
        secret     text        NOT NULL,
        active     boolean     NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL,
        created_by uuid        NOT NULL
      )`);
    // One row per event per subscription, written in the consumer's transaction with the event's
    // inbox row, so no event is lost and none is delivered twice to one subscription. `attempts`
    // counts the tries; `attempt_log` keeps each one ({at, status_code, latency_ms, error,
    // response}), newest last.
    await queryRunner.query(`
      CREATE TABLE ${s}.webhook_deliveries (
        id              uuid        PRIMARY KEY,
        subscription_id uuid        NOT NULL
                        REFERENCES ${s}.webhook_subscriptions (id) ON DELETE CASCADE,
        event_id        uuid        NOT NULL,
        event_type      text        NOT NULL,
        envelope        jsonb       NOT NULL,
        status          text        NOT NULL DEFAULT 'pending',
        attempts        integer     NOT NULL DEFAULT 0,
        due_at          timestamptz NOT NULL,
        attempt_log     jsonb       NOT NULL DEFAULT '[]'::jsonb,
        last_attempt_at timestamptz,
        last_error      text,
        created_at      timestamptz NOT NULL,
        CONSTRAINT webhook_deliveries_event_key UNIQUE (subscription_id, event_id),
        CONSTRAINT webhook_deliveries_status_check
          CHECK (status IN ('pending', 'succeeded', 'failed'))
      )`);
    // The sender's query: what is due, oldest first.
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_due_idx ON ${s}.webhook_deliveries (due_at) WHERE status = 'pending'`,
    );
    // The deliveries endpoint: a subscription's, newest first.
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_subscription_idx
         ON ${s}.webhook_deliveries (subscription_id, created_at DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    await queryRunner.query(`DROP TABLE ${s}.webhook_deliveries`);
    await queryRunner.query(`DROP TABLE ${s}.webhook_subscriptions`);
  }
}
