import { createDataSource, type ServiceDataSource } from './create-data-source';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, type TestDatabase } from '@ajla/testing';
import { PreparedStatement } from './prepared-statement';

jest.setTimeout(30_000);

describe('PreparedStatement (real Postgres)', () => {
  let db: TestDatabase;
  let dataSource: ServiceDataSource;
  const insert = new PreparedStatement<{ n: number }>(
    'insert_number',
    'INSERT INTO numbers (n) VALUES ($1) RETURNING n',
  );
  const preparedHere = `SELECT count(*)::int AS count FROM pg_prepared_statements WHERE name = $1`;

  beforeAll(async () => {
    db = await createTestDatabase('prepared_statement');
    dataSource = createDataSource({ url: db.url, schema: 'prepared', poolSize: 2 });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE numbers (n integer PRIMARY KEY)');
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('names the statement after its text: another text, another name', () => {
    const same = new PreparedStatement('insert_number', insert.text);
    const other = new PreparedStatement('insert_number', 'SELECT 1');
    expect(same.name).toBe(insert.name);
    expect(other.name).not.toBe(insert.name);
    expect(insert.name).toMatch(/^insert_number_[0-9a-f]{12}$/);
  });

  it('runs on the pool, in the service schema, as often as called', async () => {
    for (let n = 1; n <= 6; n++) {
      expect(await insert.run(dataSource.manager, [n])).toEqual([{ n }]);
    }
    const rows = await dataSource.query('SELECT n FROM prepared.numbers ORDER BY n');
    expect(rows.map((r: { n: number }) => r.n)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('runs in the transaction of the manager it is given, prepared on that connection', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await insert.run(manager, [10]);
        await insert.run(manager, [11]);
        const [{ count }] = await manager.query(preparedHere, [insert.name]);
        expect(count).toBe(1);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const rows = await dataSource.query('SELECT n FROM prepared.numbers WHERE n >= 10');
    expect(rows).toEqual([]);
  });

  it("throws the driver's error, with the constraint it broke", async () => {
    await expect(insert.run(dataSource.manager, [1])).rejects.toMatchObject({
      code: '23505',
      constraint: 'numbers_pkey',
    });
  });
});
