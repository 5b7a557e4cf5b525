import { Client } from 'pg';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, tcpProxy, waitFor } from '@ajla/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries
import type { TcpProxy, TestDatabase } from '@ajla/testing';
import { NotifiedCache } from './notified-cache';

jest.setTimeout(30_000);

const quiet = { log: () => undefined, warn: () => undefined };

describe('NotifiedCache (real Postgres, LISTEN through a proxy)', () => {
  let db: TestDatabase;
  let sql: Client;
  let proxy: TcpProxy;
  let cache: NotifiedCache;
  let reads = 0;

  const staff = () =>
    cache.get('staff', async () => {
      reads += 1;
      const { rows } = await sql.query<{ id: number }>('SELECT id FROM staff ORDER BY id');
      return rows.map((row) => row.id);
    });

  beforeAll(async () => {
    db = await createTestDatabase('notified_cache');
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    await sql.query(`
      CREATE TABLE staff (id integer PRIMARY KEY);
      CREATE FUNCTION staff_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('test.directory', TG_TABLE_NAME); RETURN NULL; END $$;
      CREATE TRIGGER staff_changed AFTER INSERT OR UPDATE OR DELETE ON staff
        FOR EACH STATEMENT EXECUTE FUNCTION staff_changed();
      INSERT INTO staff VALUES (1);`);
    proxy = await tcpProxy(db.url);
  });

  beforeEach(() => {
    reads = 0;
    cache = new NotifiedCache({ url: proxy.url, channel: 'test.directory', logger: quiet });
  });

  afterEach(async () => {
    await cache.stop();
    proxy.restore();
  });

  afterAll(async () => {
    await proxy?.close();
    await sql?.end();
    await db?.drop();
  });

  it('reads every time while it does not listen', async () => {
    expect(await staff()).toEqual([1]);
    expect(await staff()).toEqual([1]);
    expect(reads).toBe(2);
    expect(cache.peek('staff')).toBeUndefined();
  });

  it('keeps a value until a committed change is notified, then reads the new state', async () => {
    await cache.start();
    expect(cache.listening).toBe(true);
    expect(await staff()).toEqual([1]);
    expect(await staff()).toEqual([1]);
    expect(reads).toBe(1);

    await sql.query('BEGIN');
    await sql.query('INSERT INTO staff VALUES (2)');
    // Not committed: nothing notified, the kept value stands.
    expect(await staff()).toEqual([1]);
    await sql.query('COMMIT');
    await waitFor(() => cache.peek('staff') === undefined);
    expect(await staff()).toEqual([1, 2]);
    expect(await staff()).toEqual([1, 2]);
    expect(reads).toBe(2);
    await sql.query('DELETE FROM staff WHERE id = 2');
  });

  it('does not keep a read that a change overtook', async () => {
    await cache.start();
    const value = await cache.get('staff', async () => {
      reads += 1;
      const { rows } = await sql.query<{ id: number }>('SELECT id FROM staff ORDER BY id');
      // The change commits and is heard while this read is still on its way.
      await sql.query('INSERT INTO staff VALUES (3)');
      await new Promise((resolve) => setTimeout(resolve, 300));
      return rows.map((row) => row.id);
    });
    expect(value).toEqual([1]);
    expect(cache.peek('staff')).toBeUndefined();
    expect(await staff()).toEqual([1, 3]);
    await sql.query('DELETE FROM staff WHERE id = 3');
  });

  it('keeps nothing while its connection is lost, and resumes once it listens again', async () => {
    await cache.start();
    await staff();
    expect(cache.peek('staff')).toEqual([1]);

    proxy.cut();
    await waitFor(() => !cache.listening);
    expect(cache.peek('staff')).toBeUndefined();
    // A change made meanwhile is never notified to it, and must still be seen.
    await sql.query('INSERT INTO staff VALUES (4)');
    expect(await staff()).toEqual([1, 4]);
    expect(await staff()).toEqual([1, 4]);

    proxy.restore();
    await waitFor(() => cache.listening, 15_000);
    const before = reads;
    expect(await staff()).toEqual([1, 4]);
    expect(await staff()).toEqual([1, 4]);
    expect(reads).toBe(before + 1);
    await sql.query('DELETE FROM staff WHERE id = 4');
  });
});
