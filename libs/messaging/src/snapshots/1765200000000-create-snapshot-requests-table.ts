import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `snapshot_requests` in the service's own schema: which snapshots the service has asked for
 * (`SnapshotRequests`). A service that asks for one lists this migration among its own.
 */
export class CreateSnapshotRequestsTable1765200000000 implements MigrationInterface {
  name = 'CreateSnapshotRequestsTable1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'public');
    await queryRunner.query(`
      CREATE TABLE ${s}.snapshot_requests (
        routing_key  text        PRIMARY KEY,
        event_id     uuid        NOT NULL,
        requested_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'public');
    await queryRunner.query(`DROP TABLE ${s}.snapshot_requests`);
  }
}
