import { testBed, type TestBed } from '../../test/harness';
import { CreateSnapshotRequestsTable1765200000000 } from './1765200000000-create-snapshot-requests-table';
import { SnapshotRequests } from './snapshot-requests';

jest.setTimeout(30_000);

describe('SnapshotRequests (real Postgres)', () => {
  let bed: TestBed;

  const questions = async (): Promise<Record<string, any>[]> =>
    (
      await bed.dataSource.query(
        `SELECT envelope FROM outbox_messages WHERE routing_key = 'user.snapshot_requested' ORDER BY seq`,
      )
    ).map((row: { envelope: Record<string, any> }) => row.envelope);

  beforeAll(async () => {
    bed = await testBed('snapshots');
    const runner = bed.dataSource.createQueryRunner();
    await new CreateSnapshotRequestsTable1765200000000().up(runner);
    await runner.release();
  });
  afterAll(() => bed.close());
  beforeEach(() => bed.dataSource.query('TRUNCATE outbox_messages, snapshot_requests'));

  it('asks once, however often and by however many replicas it is told to', async () => {
    const replicas = [1, 2, 3].map(
      () => new SnapshotRequests(bed.dataSource, bed.writer, 'request-service'),
    );
    const asked = await Promise.all(
      replicas.map((requests) => requests.askOnce('user.snapshot_requested')),
    );
    expect(asked.filter(Boolean)).toHaveLength(1);
    expect(await replicas[0].askOnce('user.snapshot_requested')).toBe(false);

    const [question] = await questions();
    expect(await questions()).toHaveLength(1);
    expect(question).toMatchObject({
      type: 'user.snapshot_requested',
      producer: 'request-service',
      data: { requested_by: 'request-service' },
    });
    expect(await replicas[1].lastAsked('user.snapshot_requested')).toEqual(
      new Date(question.occurred_at),
    );
  });

  it('asks again when an operator says so, remembering the last time', async () => {
    const requests = new SnapshotRequests(bed.dataSource, bed.writer, 'request-service');
    expect(await requests.lastAsked('user.snapshot_requested')).toBeUndefined();
    await requests.askOnce('user.snapshot_requested');
    expect(await requests.askAgain('user.snapshot_requested')).toBe(true);

    const asked = await questions();
    expect(asked).toHaveLength(2);
    expect(await requests.lastAsked('user.snapshot_requested')).toEqual(
      new Date(asked[1].occurred_at),
    );
  });

  it('leaves no trace when the question cannot be stored', async () => {
    await bed.dataSource.query('ALTER TABLE outbox_messages RENAME TO outbox_gone');
    try {
      const requests = new SnapshotRequests(bed.dataSource, bed.writer, 'request-service');
      await expect(requests.askOnce('user.snapshot_requested')).rejects.toThrow();
      expect(await requests.lastAsked('user.snapshot_requested')).toBeUndefined();
    } finally {
      await bed.dataSource.query('ALTER TABLE outbox_gone RENAME TO outbox_messages');
    }
  });
});
