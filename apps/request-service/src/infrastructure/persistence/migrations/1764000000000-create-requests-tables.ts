import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRequestsTables1764000000000 implements MigrationInterface {
  name = 'CreateRequestsTables1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'requests');
    // user_id and assignee_id name accounts of user-service: no foreign key across schemas.
    await queryRunner.query(`
      CREATE TABLE ${s}.requests (
        id              uuid        PRIMARY KEY,
        user_id         uuid        NOT NULL,
        type            text        NOT NULL,
        description     text        NOT NULL,
        status          text        NOT NULL DEFAULT 'new',
        assignee_id     uuid,
        conversation_id uuid        NOT NULL,
        created_at      timestamptz NOT NULL,
        updated_at      timestamptz NOT NULL,
        CONSTRAINT requests_conversation_id_key UNIQUE (conversation_id),
        CONSTRAINT requests_type_check CHECK (type IN ('travel', 'dining', 'events', 'shopping')),
        CONSTRAINT requests_status_check
          CHECK (status IN ('new', 'assigned', 'in_progress', 'fulfilled', 'cancelled')),
        CONSTRAINT requests_description_length CHECK (char_length(description) BETWEEN 1 AND 5000),
        CONSTRAINT requests_new_is_unassigned CHECK (status <> 'new' OR assignee_id IS NULL),
        CONSTRAINT requests_worked_on_is_assigned
          CHECK (status NOT IN ('assigned', 'in_progress', 'fulfilled') OR assignee_id IS NOT NULL)
      )`);
    // A client's own list: newest first.
    await queryRunner.query(
      `CREATE INDEX requests_user_id_created_at_idx ON ${s}.requests (user_id, created_at DESC, id DESC)`,
    );
    // The staff queue: oldest first, all of it, by status, or by assignee.
    await queryRunner.query(
      `CREATE INDEX requests_created_at_idx ON ${s}.requests (created_at, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX requests_status_created_at_idx ON ${s}.requests (status, created_at, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX requests_assignee_id_created_at_idx ON ${s}.requests (assignee_id, created_at, id)`,
    );

    // The staff directory: accounts that are (or were) agents or admins, from user events.
    await queryRunner.query(`
      CREATE TABLE ${s}.staff_members (
        user_id       uuid        PRIMARY KEY,
        role          text        NOT NULL,
        email         text        NOT NULL,
        full_name     text,
        last_event_at timestamptz NOT NULL,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT staff_members_role_check CHECK (role IN ('user', 'agent', 'admin'))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'requests');
    await queryRunner.query(`DROP TABLE ${s}.staff_members`);
    await queryRunner.query(`DROP TABLE ${s}.requests`);
  }
}
