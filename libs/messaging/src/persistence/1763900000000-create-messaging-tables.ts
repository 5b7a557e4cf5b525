import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox and the inbox, in the service's own schema. Every service lists this migration among
 * its own (after the ones it has already run: its timestamp only orders it in a fresh database).
 */
export class CreateMessagingTables1763900000000 implements MigrationInterface {
  name = 'CreateMessagingTables1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'public');
    await queryRunner.query(`
      CREATE TABLE ${s}.outbox_messages (
        id           uuid        PRIMARY KEY,
        seq          bigint      GENERATED ALWAYS AS IDENTITY,
        routing_key  text        NOT NULL,
        envelope     json        NOT NULL,
        headers      jsonb       NOT NULL DEFAULT '{}'::jsonb,
        created_at   timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        attempts     integer     NOT NULL DEFAULT 0,
        last_error   text,
        CONSTRAINT outbox_messages_seq_key UNIQUE (seq)
      )`);
    // The relay's query: unsent rows in order. Partial, so it stays as small as the backlog.
    await queryRunner.query(
      `CREATE INDEX outbox_messages_unpublished_idx ON ${s}.outbox_messages (seq) WHERE published_at IS NULL`,
    );
    // Clean-up of published rows past their retention.
    await queryRunner.query(
      `CREATE INDEX outbox_messages_published_at_idx ON ${s}.outbox_messages (published_at) WHERE published_at IS NOT NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE ${s}.inbox_messages (
        event_id    uuid        PRIMARY KEY,
        routing_key text        NOT NULL,
        handled_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX inbox_messages_handled_at_idx ON ${s}.inbox_messages (handled_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'public');
    await queryRunner.query(`DROP TABLE ${s}.inbox_messages`);
    await queryRunner.query(`DROP TABLE ${s}.outbox_messages`);
  }
}
