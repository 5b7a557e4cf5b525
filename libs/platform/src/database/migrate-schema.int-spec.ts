// Test-only dependency on the test helpers (the boundary rule does not tell spec files apart).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, type TestDatabase } from '@ajla/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrateCommand, migrateSchema } from './migrate-schema';

jest.setTimeout(30_000);

class CreateNotes1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE notes (id serial PRIMARY KEY)');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE notes');
  }
}

class AddNoteText1700000000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE notes ADD COLUMN text text NOT NULL DEFAULT ''");
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE notes DROP COLUMN text');
  }
}

describe('migrateSchema (real Postgres)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('migrate_schema');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('applies the pending migrations in the schema, then says it is up to date', async () => {
    const lines: string[] = [];
    const target = { schema: 'notes', migrations: [CreateNotes1700000000000] };
    await expect(migrateSchema(db.url, target, (line) => lines.push(line))).resolves.toEqual([
      'CreateNotes1700000000000',
    ]);
    const command = migrateCommand({
      ...target,
      migrations: [CreateNotes1700000000000, AddNoteText1700000000001],
    });
    await command({ config: { DATABASE_URL: db.url }, args: [], out: (line) => lines.push(line) });
    await command({ config: { DATABASE_URL: db.url }, args: [], out: (line) => lines.push(line) });
    expect(lines).toEqual([
      'notes schema: applied CreateNotes1700000000000',
      'notes schema: applied AddNoteText1700000000001',
      'notes schema: up to date, no migration to run',
    ]);

    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'notes' AND table_name = 'notes' ORDER BY ordinal_position",
    );
    await client.end();
    expect(rows.map((row) => row.column_name)).toEqual(['id', 'text']);
  });

  it('runs as DATABASE_MIGRATION_URL (the schema owner) when set, not as DATABASE_URL', async () => {
    // Roles are cluster-wide: names of this run's own, dropped with the database.
    const owner = `ajla_t_${randomBytes(4).toString('hex')}_owner`;
    const runtime = `${owner.slice(0, -6)}_app`;
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    const as = (role: string) => {
      const url = new URL(db.url);
      url.username = role;
      return url.toString();
    };
    try {
      await admin.query(`CREATE ROLE "${owner}" LOGIN; CREATE ROLE "${runtime}" LOGIN`);
      await admin.query(`CREATE SCHEMA owned AUTHORIZATION "${owner}"`);
      await admin.query(`GRANT USAGE ON SCHEMA owned TO "${runtime}"`);
      const command = migrateCommand({ schema: 'owned', migrations: [CreateNotes1700000000000] });
      await command({
        config: { DATABASE_URL: as(runtime), DATABASE_MIGRATION_URL: as(owner) },
        args: [],
        out: () => undefined,
      });
      const { rows } = await admin.query(
        "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'owned' ORDER BY tablename",
      );
      expect(rows).toEqual([
        { tablename: 'migrations', tableowner: owner },
        { tablename: 'notes', tableowner: owner },
      ]);
    } finally {
      await admin.query('DROP SCHEMA IF EXISTS owned CASCADE');
      await admin.query(`DROP OWNED BY "${runtime}"`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS "${runtime}"; DROP ROLE IF EXISTS "${owner}"`);
      await admin.end();
    }
  });

  it('the migrate command takes no options', async () => {
    const command = migrateCommand({ schema: 'notes' });
    await expect(
      command({ config: { DATABASE_URL: db.url }, args: ['--all'], out: () => undefined }),
    ).rejects.toMatchObject({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  });
});
