import { createDataSource, type ServiceDataSource } from '@ajla/platform';
import { migratedDatabase, type MigratedDatabase } from '@ajla/testing';
import { USERS_SCHEMA, userServiceEntities } from '../persistence/entities';
import { userServiceMigrations } from '../persistence/migrations';
import { pruneSessionFamilies } from './session-family-retention';

jest.setTimeout(30_000);

describe('session family retention (real Postgres)', () => {
  let db: MigratedDatabase<ServiceDataSource>;
  const userId = '0190a000-0000-7000-8000-000000000001';

  beforeAll(async () => {
    db = await migratedDatabase('users_retention', (url) =>
      createDataSource({
        url,
        schema: USERS_SCHEMA,
        entities: userServiceEntities,
        migrations: userServiceMigrations,
      }),
    );
    await db.dataSource.query(
      `INSERT INTO users.users (id, email, password_hash) VALUES ($1, 'someone@example.com', 'x')`,
      [userId],
    );
  });

  afterAll(async () => {
    await db?.close();
  });

  /**
   * `count` families with `tokens` rotated tokens each (chained by replaced_by_id), the last one
   * expiring `expiredDaysAgo` days ago (negative: in the future), revoked `revokedDaysAgo` ago.
   */
  async function families(
    label: string,
    count: number,
    {
      tokens = 2,
      expiredDaysAgo,
      revokedDaysAgo,
    }: { tokens?: number; expiredDaysAgo: number; revokedDaysAgo?: number },
  ): Promise<void> {
    await db.dataSource.query(
      `WITH f AS (
         INSERT INTO users.session_families (id, user_id, created_at, revoked_at, revoked_reason)
         SELECT gen_random_uuid(), $1, now() - interval '400 days',
                now() - make_interval(days => $3), CASE WHEN $3 IS NULL THEN NULL ELSE 'logout' END
           FROM generate_series(1, $2)
         RETURNING id)
       INSERT INTO users.refresh_tokens (id, family_id, token_hash, issued_at, expires_at, spent_at)
       SELECT gen_random_uuid(), f.id, encode(sha256(convert_to(f.id::text || n || $6, 'UTF8')), 'hex'),
              now() - interval '400 days',
              now() - make_interval(days => $4) - make_interval(days => $5 - n),
              CASE WHEN n < $5 THEN now() - interval '300 days' END
         FROM f, generate_series(1, $5) AS n`,
      [userId, count, revokedDaysAgo ?? null, expiredDaysAgo, tokens, label],
    );
  }

  const remaining = async () =>
    (
      (await db.dataSource.query(
        `SELECT (SELECT count(*) FROM users.session_families)::int AS families,
                (SELECT count(*) FROM users.refresh_tokens)::int AS tokens`,
      )) as { families: number; tokens: number }[]
    )[0];

  it('deletes families ended (expired or revoked) past the retention, with their tokens, and keeps the others', async () => {
    await families('expired-long-ago', 1_500, { tokens: 3, expiredDaysAgo: 40 });
    await families('revoked-long-ago', 200, { expiredDaysAgo: -10, revokedDaysAgo: 31 });
    await families('expired-recently', 30, { expiredDaysAgo: 5 });
    await families('revoked-recently', 20, { expiredDaysAgo: -10, revokedDaysAgo: 2 });
    await families('live', 10, { expiredDaysAgo: -20 });
    // A family whose old tokens expired long ago but whose newest one is still valid: live.
    await families('live-rotated', 5, { tokens: 40, expiredDaysAgo: -1 });

    expect(await pruneSessionFamilies(db.dataSource, 30)).toEqual({
      families: 1_700,
      tokens: 1_500 * 3 + 200 * 2,
    });
    expect(await remaining()).toEqual({ families: 65, tokens: 30 * 2 + 20 * 2 + 10 * 2 + 5 * 40 });
    expect(await pruneSessionFamilies(db.dataSource, 30)).toEqual({ families: 0, tokens: 0 });
    expect(await pruneSessionFamilies(db.dataSource, 1)).toEqual({ families: 50, tokens: 100 });
  });

  it('skips a family locked by a refresh in progress, and is safe with replicas at once', async () => {
    await db.dataSource.query(`DELETE FROM users.session_families`);
    await families('old', 2_500, { expiredDaysAgo: 40 });
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    const [locked] = (await runner.query(
      `SELECT id FROM users.session_families LIMIT 1 FOR UPDATE`,
    )) as { id: string }[];
    try {
      const counts = await Promise.all([1, 2].map(() => pruneSessionFamilies(db.dataSource, 30)));
      expect(counts[0].families + counts[1].families).toBe(2_499);
    } finally {
      await runner.commitTransaction();
      await runner.release();
    }
    expect(await remaining()).toEqual({ families: 1, tokens: 2 });
    const [left] = (await db.dataSource.query(`SELECT id FROM users.session_families`)) as {
      id: string;
    }[];
    expect(left.id).toBe(locked.id);
  });
});
