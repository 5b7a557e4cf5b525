import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `seq`: the order in which a recipient's notifications committed, which the live socket resumes
 * from (`after`). `created_at` cannot be it: two events handled at once may commit in the other
 * order than their times. The repository takes a lock per recipient before inserting, so a
 * recipient's later seq is always a later commit.
 */
export class AddNotificationSeq1764650000000 implements MigrationInterface {
  name = 'AddNotificationSeq1764650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    await queryRunner.query(`ALTER TABLE ${s}.notifications ADD COLUMN seq bigint`);
    // Rows stored before: numbered in the order of their times.
    await queryRunner.query(`
      UPDATE ${s}.notifications n SET seq = o.seq
        FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS seq
                FROM ${s}.notifications) o
       WHERE n.id = o.id`);
    await queryRunner.query(
      `ALTER TABLE ${s}.notifications ALTER COLUMN seq SET NOT NULL,
         ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY`,
    );
    await queryRunner.query(
      `SELECT setval(pg_get_serial_sequence('${s}.notifications', 'seq'),
                     coalesce((SELECT max(seq) FROM ${s}.notifications), 0) + 1, false)`,
    );
    // A resume reads a recipient's notifications after a seq.
    await queryRunner.query(
      `CREATE UNIQUE INDEX notifications_recipient_id_seq_key ON ${s}.notifications (recipient_id, seq)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    await queryRunner.query(`ALTER TABLE ${s}.notifications DROP COLUMN seq`);
  }
}
