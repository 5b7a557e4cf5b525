import { testBed, type TestBed } from '../../test/harness';
import { pruneInbox } from './inbox-retention';

jest.setTimeout(30_000);

describe('inbox retention (real Postgres)', () => {
  let bed: TestBed;

  beforeAll(async () => {
    bed = await testBed('inbox_retention');
  });

  afterAll(async () => {
    await bed?.close();
  });

  /** `count` inbox rows handled `daysAgo` days ago. */
  async function handled(count: number, daysAgo: number): Promise<void> {
    await bed.dataSource.query(
      `INSERT INTO messaging_test.inbox_messages (event_id, routing_key, handled_at)
       SELECT gen_random_uuid(), 'request.submitted', now() - make_interval(days => $2)
         FROM generate_series(1, $1)`,
      [count, daysAgo],
    );
  }

  const ages = async () =>
    (
      (await bed.dataSource.query(
        `SELECT extract(day FROM now() - handled_at)::int AS days, count(*)::int AS n
           FROM messaging_test.inbox_messages GROUP BY 1 ORDER BY 1`,
      )) as { days: number; n: number }[]
    ).map(({ days, n }) => [days, n]);

  it('deletes the rows past the retention in batches, keeps the recent ones', async () => {
    // More than one batch (5000) of old rows.
    await handled(6_000, 31);
    await handled(1_200, 45);
    await handled(300, 29);
    await handled(200, 0);
    expect(await pruneInbox(bed.dataSource, 30)).toBe(7_200);
    expect(await ages()).toEqual([
      [0, 200],
      [29, 300],
    ]);
    expect(await pruneInbox(bed.dataSource, 30)).toBe(0);
    expect(await pruneInbox(bed.dataSource, 0)).toBe(0);
    expect(await ages()).toHaveLength(2);
  });

  it('is safe with replicas pruning at the same time: every old row deleted once', async () => {
    await bed.dataSource.query(`TRUNCATE messaging_test.inbox_messages`);
    await handled(12_000, 40);
    await handled(100, 1);
    const counts = await Promise.all([1, 2, 3].map(() => pruneInbox(bed.dataSource, 30)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(12_000);
    expect(await ages()).toEqual([[1, 100]]);
  });
});
