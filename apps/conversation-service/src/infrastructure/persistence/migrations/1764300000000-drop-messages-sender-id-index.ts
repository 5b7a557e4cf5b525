import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * No query reads messages by sender, and every chat message paid for the index: one more entry
 * per insert, all of it in the few pages of a handful of senders (a hot spot under load). Put
 * it back with the query that needs it.
 */
export class DropMessagesSenderIdIndex1764300000000 implements MigrationInterface {
  name = 'DropMessagesSenderIdIndex1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP INDEX IF EXISTS ${migrationSchema(queryRunner, 'conversations')}.messages_sender_id_idx`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'conversations');
    await queryRunner.query(`CREATE INDEX messages_sender_id_idx ON ${s}.messages (sender_id)`);
  }
}
