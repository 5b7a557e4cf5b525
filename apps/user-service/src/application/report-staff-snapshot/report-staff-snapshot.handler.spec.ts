import { aStoredUser, FixedClock, immediateUnitOfWork, InMemoryUsers } from '../../../test/fakes';
import { Role } from '../../domain/user/role.value-object';
import { ReportStaffSnapshotHandler } from './report-staff-snapshot.handler';

describe('ReportStaffSnapshotHandler', () => {
  const clock = new FixedClock();
  let users: InMemoryUsers;
  let handler: ReportStaffSnapshotHandler;

  beforeEach(() => {
    users = new InMemoryUsers();
    handler = new ReportStaffSnapshotHandler(users, immediateUnitOfWork, clock);
  });

  it('reports every staff account and every demoted one, page by page, and no client', async () => {
    const staff = [];
    for (let i = 0; i < 5; i++) staff.push(await aStoredUser(users, clock, { role: Role.agent }));
    const admin = await aStoredUser(users, clock, { role: Role.admin });
    await aStoredUser(users, clock); // a client: never staff
    const demoted = staff.pop()!;
    clock.advanceSeconds(60);
    demoted.changeAccess({ role: Role.user }, admin.id, clock.now());
    await users.update(demoted);

    expect(await handler.execute({ requestedBy: 'request-service' }, 2)).toBe(6);

    const reported = users.reported;
    expect(reported.map((e) => e.aggregateId).sort()).toEqual(
      [...staff, admin, demoted].map((u) => u.id).sort(),
    );
    expect(reported.find((e) => e.aggregateId === demoted.id)!.payload).toEqual({
      email: demoted.email.value,
      fullName: demoted.fullName,
      role: 'user',
      tier: 5000,
      asOf: demoted.updatedAt,
      requestedBy: 'request-service',
    });
  });

  it('reports nothing when there is no staff', async () => {
    await aStoredUser(users, clock);
    expect(await handler.execute({ requestedBy: 'notification-service' })).toBe(0);
    expect(users.reported).toEqual([]);
  });
});
