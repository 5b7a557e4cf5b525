import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `users.has_been_staff`: the accounts a staff snapshot (`user.snapshot`) reports, staff now and
 * staff once. No role history was kept before this column, so existing rows get a superset: staff
 * now, or changed since registration (a demotion among the possible changes). Reporting a client
 * that never was staff costs one event, which every directory ignores.
 */
export class AddUsersHasBeenStaff1765200000000 implements MigrationInterface {
  name = 'AddUsersHasBeenStaff1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'users');
    await queryRunner.query(
      `ALTER TABLE ${s}.users ADD COLUMN has_been_staff boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `UPDATE ${s}.users SET has_been_staff = true WHERE role <> 'user' OR updated_at > created_at`,
    );
    // The snapshot's pages: staff accounts in id order, without reading the clients.
    await queryRunner.query(
      `CREATE INDEX users_has_been_staff_id_idx ON ${s}.users (id) WHERE has_been_staff`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'users');
    await queryRunner.query(`ALTER TABLE ${s}.users DROP COLUMN has_been_staff`);
  }
}
