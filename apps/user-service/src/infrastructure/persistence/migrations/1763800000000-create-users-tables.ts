import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsersTables1763800000000 implements MigrationInterface {
  name = 'CreateUsersTables1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'users');
    await queryRunner.query(`
      CREATE TABLE ${s}.users (
        id            uuid        PRIMARY KEY,
        email         text        NOT NULL,
        password_hash text        NOT NULL,
        full_name     text,
        role          text        NOT NULL DEFAULT 'user',
        tier          integer     NOT NULL DEFAULT 5000,
        preferences   jsonb       NOT NULL DEFAULT '{}'::jsonb,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_email_key UNIQUE (email),
        CONSTRAINT users_email_normalised CHECK (email = lower(btrim(email))),
        CONSTRAINT users_role_check CHECK (role IN ('user', 'agent', 'admin')),
        CONSTRAINT users_tier_check CHECK (tier IN (5000, 25000, 100000)),
        CONSTRAINT users_preferences_object CHECK (jsonb_typeof(preferences) = 'object')
      )`);
    // Staff lists: newest first, all accounts or one role.
    await queryRunner.query(
      `CREATE INDEX users_created_at_idx ON ${s}.users (created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX users_role_created_at_idx ON ${s}.users (role, created_at DESC, id DESC)`,
    );

    await queryRunner.query(`
      CREATE TABLE ${s}.session_families (
        id             uuid        PRIMARY KEY,
        user_id        uuid        NOT NULL REFERENCES ${s}.users (id) ON DELETE CASCADE,
        created_at     timestamptz NOT NULL,
        revoked_at     timestamptz,
        revoked_reason text,
        CONSTRAINT session_families_revocation_check CHECK (
          (revoked_at IS NULL AND revoked_reason IS NULL)
          OR (revoked_at IS NOT NULL AND revoked_reason IN ('logout', 'reuse_detected'))
        )
      )`);
    await queryRunner.query(
      `CREATE INDEX session_families_user_id_idx ON ${s}.session_families (user_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE ${s}.refresh_tokens (
        id             uuid        PRIMARY KEY,
        family_id      uuid        NOT NULL REFERENCES ${s}.session_families (id) ON DELETE CASCADE,
        token_hash     text        NOT NULL,
        issued_at      timestamptz NOT NULL,
        expires_at     timestamptz NOT NULL,
        spent_at       timestamptz,
        replaced_by_id uuid        REFERENCES ${s}.refresh_tokens (id) ON DELETE SET NULL,
        CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash),
        CONSTRAINT refresh_tokens_token_hash_format CHECK (token_hash ~ '^[0-9a-f]{64}$')
      )`);
    await queryRunner.query(
      `CREATE INDEX refresh_tokens_family_id_idx ON ${s}.refresh_tokens (family_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX refresh_tokens_replaced_by_id_idx ON ${s}.refresh_tokens (replaced_by_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'users');
    await queryRunner.query(`DROP TABLE ${s}.refresh_tokens`);
    await queryRunner.query(`DROP TABLE ${s}.session_families`);
    await queryRunner.query(`DROP TABLE ${s}.users`);
  }
}
