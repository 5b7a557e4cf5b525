import { Client } from 'pg';
import { createTestDatabase, freePort, uniqueRedisPrefix, waitFor } from './index';

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
