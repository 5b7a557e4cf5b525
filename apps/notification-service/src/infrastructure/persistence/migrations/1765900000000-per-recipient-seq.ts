import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `seq` numbers each recipient's notifications 1, 2, 3... instead of drawing from one sequence
 * shared by everyone, so that a live socket can tell a notification it has not been sent yet (a
 * gap) from one of somebody else: it sends its recipient's notifications in seq order however
 * the replicas' pushes arrive, and fills a gap from the database (`SequenceCursor`).
 *
 * `notification_sequences` holds each recipient's last seq; the insert takes the next one from
 * it, and that row's lock, held until the commit, keeps every recipient's seqs in commit order
 * (it replaces the advisory lock per recipient). The rows stored before are renumbered per
 * recipient in their order. A replica of the previous version cannot insert once this has run
 * (the column has no default any more): the events it takes fail and are retried by a new one.
 */
export class PerRecipientSeq1765900000000 implements MigrationInterface {
  name = 'PerRecipientSeq1765900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    await queryRunner.query(`
      CREATE TABLE ${s}.notification_sequences (
        recipient_id uuid PRIMARY KEY,
        last_seq bigint NOT NULL CHECK (last_seq > 0)
      )`);
    await queryRunner.query(`ALTER TABLE ${s}.notifications ALTER COLUMN seq DROP IDENTITY`);
    // Renumbered without the unique index, which would see a half-renumbered recipient clash.
    await queryRunner.query(`DROP INDEX ${s}.notifications_recipient_id_seq_key`);
    await queryRunner.query(`
      UPDATE ${s}.notifications n SET seq = o.seq
        FROM (SELECT id, row_number() OVER (PARTITION BY recipient_id ORDER BY seq) AS seq
                FROM ${s}.notifications) o
       WHERE n.id = o.id`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX notifications_recipient_id_seq_key ON ${s}.notifications (recipient_id, seq)`,
    );
    await queryRunner.query(`
      INSERT INTO ${s}.notification_sequences (recipient_id, last_seq)
      SELECT recipient_id, max(seq) FROM ${s}.notifications GROUP BY recipient_id`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'notifications');
    await queryRunner.query(`DROP INDEX ${s}.notifications_recipient_id_seq_key`);
    // One sequence for all again, in the order the rows were stored.
    await queryRunner.query(`
      UPDATE ${s}.notifications n SET seq = o.seq
        FROM (SELECT id, row_number() OVER (ORDER BY created_at, recipient_id, seq) AS seq
                FROM ${s}.notifications) o
       WHERE n.id = o.id`);
    await queryRunner.query(
      `ALTER TABLE ${s}.notifications ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY`,
    );
    await queryRunner.query(
      `SELECT setval(pg_get_serial_sequence('${s}.notifications', 'seq'),
                     coalesce((SELECT max(seq) FROM ${s}.notifications), 0) + 1, false)`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX notifications_recipient_id_seq_key ON ${s}.notifications (recipient_id, seq)`,
    );
    await queryRunner.query(`DROP TABLE ${s}.notification_sequences`);
  }
}
