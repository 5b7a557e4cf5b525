import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateConversationsTables1764100000000 implements MigrationInterface {
  name = 'CreateConversationsTables1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'conversations');
    // request_id and user_id name rows of other services: no foreign key across schemas.
    await queryRunner.query(`
      CREATE TABLE ${s}.conversations (
        id          uuid        PRIMARY KEY,
        request_id  uuid        NOT NULL,
        user_id     uuid        NOT NULL,
        last_seq    integer     NOT NULL DEFAULT 0,
        created_at  timestamptz NOT NULL,
        CONSTRAINT conversations_request_id_key UNIQUE (request_id),
        CONSTRAINT conversations_last_seq_check CHECK (last_seq >= 0)
      )`);
    await queryRunner.query(
      `CREATE INDEX conversations_user_id_created_at_idx ON ${s}.conversations (user_id, created_at DESC)`,
    );
    // (conversation_id, seq) is unique and is the index of the foreign key, of paging and resume.
    // The opening message (seq 1) carries the request's description whole (up to 5000
    // characters); every other message is a chat message of at most 4000.
    await queryRunner.query(`
      CREATE TABLE ${s}.messages (
        id              uuid        PRIMARY KEY,
        conversation_id uuid        NOT NULL REFERENCES ${s}.conversations (id),
        seq             integer     NOT NULL,
        sender_id       uuid,
        sender_type     text        NOT NULL,
        content         text        NOT NULL,
        client_id       uuid,
        created_at      timestamptz NOT NULL,
        CONSTRAINT messages_conversation_id_seq_key UNIQUE (conversation_id, seq),
        CONSTRAINT messages_conversation_id_client_id_key UNIQUE (conversation_id, client_id),
        CONSTRAINT messages_seq_check CHECK (seq >= 1),
        CONSTRAINT messages_sender_type_check CHECK (sender_type IN ('user', 'admin', 'system')),
        CONSTRAINT messages_sender_check CHECK (sender_type = 'system' OR sender_id IS NOT NULL),
        CONSTRAINT messages_content_length
          CHECK (char_length(content) BETWEEN 1 AND CASE WHEN seq = 1 THEN 5000 ELSE 4000 END)
      )`);
    await queryRunner.query(`CREATE INDEX messages_sender_id_idx ON ${s}.messages (sender_id)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.read_states (
        conversation_id uuid        NOT NULL REFERENCES ${s}.conversations (id),
        user_id         uuid        NOT NULL,
        last_read_seq   integer     NOT NULL,
        updated_at      timestamptz NOT NULL,
        PRIMARY KEY (conversation_id, user_id),
        CONSTRAINT read_states_last_read_seq_check CHECK (last_read_seq >= 0)
      )`);
    await queryRunner.query(`CREATE INDEX read_states_user_id_idx ON ${s}.read_states (user_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'conversations');
    await queryRunner.query(`DROP TABLE ${s}.read_states`);
    await queryRunner.query(`DROP TABLE ${s}.messages`);
    await queryRunner.query(`DROP TABLE ${s}.conversations`);
  }
}
