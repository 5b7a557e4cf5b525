import { createEnvelope, type UserRole } from '@ajla/contracts';
import { createDataSource, type ServiceDataSource } from '@ajla/platform';
import { newId } from '@ajla/shared-kernel';
// Test-only dependency on the test helpers (the boundary rule does not tell spec files apart).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { migratedDatabase, type MigratedDatabase } from '@ajla/testing';
import { AccountDirectoryFeed, recordAccountState } from './account-directory-feed';
import { AccountOrmEntity } from './account.orm-entity';

jest.setTimeout(30_000);

describe('the account directory (real Postgres)', () => {
  let db: MigratedDatabase<ServiceDataSource>;
  const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 0, minute));
  const aUserId = () => newId<'UserId'>();

  beforeAll(async () => {
    db = await migratedDatabase('account_directory', (url) =>
      createDataSource({
        url,
        schema: 'directory',
        entities: [AccountOrmEntity],
      }),
    );
    // The services create the table with migrations of their own; here it is built from the
    // entity, the columns the rule writes.
    await db.dataSource.synchronize();
  });

  afterAll(async () => {
    await db?.close();
  });

  const record = (userId: string, role: UserRole, minute: number, fullName = 'Sara') =>
    recordAccountState(db.dataSource.manager, {
      userId,
      role,
      email: 'sara@ajla.test',
      fullName,
      asOf: at(minute),
    });
  const held = (userId: string) => db.dataSource.manager.findOneBy(AccountOrmEntity, { userId });

  it('adds an account, clients too, and follows promotions, renames and demotions', async () => {
    const id = aUserId();
    expect(await record(id, 'user', 1)).toBe(true);
    expect(await held(id)).toMatchObject({ role: 'user', lastEventAt: at(1) });
    expect(await record(id, 'agent', 2)).toBe(true);
    expect(await record(id, 'admin', 3, 'سارة 🌙')).toBe(true);
    expect(await held(id)).toMatchObject({ role: 'admin', fullName: 'سارة 🌙' });
    expect(await record(id, 'user', 4)).toBe(true);
    expect(await held(id)).toMatchObject({ role: 'user', lastEventAt: at(4) });
  });

  it('ignores an older state, whatever order events come in: a demotion holds', async () => {
    const id = aUserId();
    expect(await record(id, 'user', 5)).toBe(true); // demoted at 5
    expect(await record(id, 'agent', 4)).toBe(false); // the promotion before it, late
    expect(await held(id)).toMatchObject({ role: 'user', lastEventAt: at(5) });
  });

  it('takes a state as new as the held one (a redelivery changes nothing it should not)', async () => {
    const id = aUserId();
    await record(id, 'agent', 6);
    expect(await record(id, 'agent', 6, 'Sara K.')).toBe(true);
    expect((await held(id))?.fullName).toBe('Sara K.');
  });

  it('keeps the newest of many states recorded at once', async () => {
    const id = aUserId();
    const minutes = [7, 3, 9, 1, 8, 2, 6, 4, 5];
    await Promise.all(
      minutes.map((minute) =>
        db.dataSource.transaction((manager) =>
          recordAccountState(manager, {
            userId: id,
            role: minute % 2 ? 'agent' : 'admin',
            email: 'sara@ajla.test',
            fullName: null,
            asOf: at(minute),
          }),
        ),
      ),
    );
    expect(await held(id)).toMatchObject({ role: 'agent', lastEventAt: at(9) });
  });

  it('records what a user event tells, in the transaction it is given', async () => {
    const feed = new AccountDirectoryFeed();
    const id = aUserId();
    const account = { user_id: id, email: 'layla@ajla.test', full_name: null, tier: 5000 as const };
    const promoted = createEnvelope(
      'user.updated',
      { ...account, role: 'agent', updated_at: at(11).toISOString(), changed: ['role'] },
      { producer: 'user-service', correlationId: null },
    );
    const registered = createEnvelope(
      'user.registered',
      { ...account, role: 'user', created_at: at(10).toISOString() },
      { producer: 'user-service', correlationId: null },
    );
    // A rolled-back consumer transaction leaves no trace.
    await expect(
      db.dataSource.transaction(async (manager) => {
        await feed.record(manager, promoted);
        throw new Error('the handler failed after recording');
      }),
    ).rejects.toThrow('the handler failed');
    expect(await held(id)).toBeNull();
    expect(await db.dataSource.transaction((m) => feed.record(m, promoted))).toBe(true);
    expect(await db.dataSource.transaction((m) => feed.record(m, registered))).toBe(false);
    expect(await held(id)).toMatchObject({ role: 'agent', email: 'layla@ajla.test' });
  });
});
