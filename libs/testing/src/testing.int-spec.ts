import { Client } from 'pg';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import {
  createTestDatabase,
  freePort,
  migratedDatabase,
  uniqueRedisPrefix,
  waitFor,
} from './index';

class CreateNotes1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE notes (id serial PRIMARY KEY, text text NOT NULL)');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE notes');
  }
}

describe('test helpers', () => {
  it('creates a fresh database and drops it', async () => {
    const db = await createTestDatabase('Helpers Spec');
    expect(db.name).toMatch(/^ajla_t_helpers_spec_[0-9a-f]{10}$/);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT current_database() AS name');
    await client.end();
    expect(rows[0].name).toBe(db.name);
    await db.drop();
    const again = new Client({ connectionString: db.url });
    await expect(again.connect()).rejects.toThrow(/does not exist/);
  });

  it('creates a database with its migrations run, and drops it on close', async () => {
    const db = await migratedDatabase(
      'Helpers Migrated',
      (url) => new DataSource({ type: 'postgres', url, migrations: [CreateNotes1700000000000] }),
    );
    expect(db.database.name).toMatch(/^ajla_t_helpers_migrated_[0-9a-f]{10}$/);
    await db.dataSource.query("INSERT INTO notes (text) VALUES ('migrated')");
    const [row] = await db.dataSource.query(
      "SELECT count(*)::int AS n FROM notes WHERE text = 'migrated'",
    );
    expect(row.n).toBe(1);
    await db.close();
    expect(db.dataSource.isInitialized).toBe(false);
    const again = new Client({ connectionString: db.database.url });
    await expect(again.connect()).rejects.toThrow(/does not exist/);
  });

  it('makes distinct Redis prefixes', () => {
    expect(uniqueRedisPrefix('x')).toMatch(/^ajla_t:x:[0-9a-f]{10}:$/);
    expect(uniqueRedisPrefix()).not.toBe(uniqueRedisPrefix());
  });

  it('waits for a condition, and fails with the last error after the timeout', async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls >= 3 ? 'done' : undefined), 1000, 5)).resolves.toBe('done');
    await expect(
      waitFor(
        () => {
          throw new Error('still not');
        },
        50,
        5,
      ),
    ).rejects.toThrow('still not');
  });

  it('finds a free port', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
  });
});
