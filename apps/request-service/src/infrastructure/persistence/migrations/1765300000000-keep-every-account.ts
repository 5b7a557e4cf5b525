import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The staff directory keeps every account it hears of, clients too (a client's row and its time
 * keep an older promotion, arriving after a demotion, from making the account staff again), so
 * `staff_members` becomes `accounts`. The rows stay: those of staff and of demoted staff. Clients
 * are added as their events arrive.
 */
export class KeepEveryAccount1765300000000 implements MigrationInterface {
  name = 'KeepEveryAccount1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'requests');
    await queryRunner.query(`ALTER TABLE ${s}.staff_members RENAME TO accounts`);
    await queryRunner.query(`ALTER INDEX ${s}.staff_members_pkey RENAME TO accounts_pkey`);
    await queryRunner.query(
      `ALTER TABLE ${s}.accounts RENAME CONSTRAINT staff_members_role_check TO accounts_role_check`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'requests');
    // Client rows stay: the old code reads only staff and updates any row it finds by the same
    // time rule, so they do no harm there.
    await queryRunner.query(
      `ALTER TABLE ${s}.accounts RENAME CONSTRAINT accounts_role_check TO staff_members_role_check`,
    );
    await queryRunner.query(`ALTER INDEX ${s}.accounts_pkey RENAME TO staff_members_pkey`);
    await queryRunner.query(`ALTER TABLE ${s}.accounts RENAME TO staff_members`);
  }
}
