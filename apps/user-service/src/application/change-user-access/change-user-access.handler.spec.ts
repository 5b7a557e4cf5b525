import { NotFoundError, RuleViolationError, ValidationError } from '@ajla/shared-kernel';
import { aStoredUser, FixedClock, InMemoryUsers, RecordedRevocations } from '../../../test/fakes';
import { Role } from '../../domain/user/role.value-object';
import type { User } from '../../domain/user/user.aggregate';
import { ChangeUserAccessHandler } from './change-user-access.handler';

describe('ChangeUserAccessHandler', () => {
  const clock = new FixedClock();
  let users: InMemoryUsers;
  let handler: ChangeUserAccessHandler;
  let admin: User;
  let revocations: RecordedRevocations;

  beforeEach(async () => {
    users = new InMemoryUsers();
    revocations = new RecordedRevocations();
    handler = new ChangeUserAccessHandler(users, clock, revocations);
    admin = await aStoredUser(users, clock, { role: Role.admin });
  });

  it('changes role and tier', async () => {
    const client = await aStoredUser(users, clock);
    const changed = await handler.execute({
      changedBy: admin.id,
      userId: client.id,
      role: 'agent',
      tier: 100000,
    });
    expect(changed.role.name).toBe('agent');
    expect(changed.tier.level).toBe(100000);
    expect((await users.findById(client.id))!.tier.level).toBe(100000);
  });

  it("announces the account's role and tier, so tokens already out get them at once", async () => {
    const client = await aStoredUser(users, clock);
    await handler.execute({ changedBy: admin.id, userId: client.id, role: 'agent' });
    expect(revocations.announced).toEqual([
      {
        kind: 'access_changed',
        userId: client.id,
        role: 'agent',
        tier: 5000,
        changedAt: clock.now(),
      },
    ]);
  });

  it('fails when the change cannot be announced, and a retry announces it', async () => {
    const client = await aStoredUser(users, clock);
    revocations.failing = true;
    await expect(
      handler.execute({ changedBy: admin.id, userId: client.id, role: 'agent' }),
    ).rejects.toThrow('redis is down');
    revocations.failing = false;
    await handler.execute({ changedBy: admin.id, userId: client.id, role: 'agent' });
    expect(revocations.announced).toMatchObject([{ userId: client.id, role: 'agent' }]);
  });

  it('refuses a tier that does not exist and an unknown role', async () => {
    const client = await aStoredUser(users, clock);
    await expect(
      handler.execute({ changedBy: admin.id, userId: client.id, tier: 12345 }),
    ).rejects.toThrow(ValidationError);
    await expect(
      handler.execute({ changedBy: admin.id, userId: client.id, role: 'root' }),
    ).rejects.toThrow(ValidationError);
  });

  it('answers not found for an unknown id and a validation error for a malformed one', async () => {
    await expect(
      handler.execute({
        changedBy: admin.id,
        userId: '01936f3e-0000-7000-8000-000000000009',
        role: 'agent',
      }),
    ).rejects.toThrow(NotFoundError);
    await expect(
      handler.execute({ changedBy: admin.id, userId: 'nope', role: 'agent' }),
    ).rejects.toThrow(ValidationError);
  });

  it('refuses an admin demoting themselves', async () => {
    await expect(
      handler.execute({ changedBy: admin.id, userId: admin.id, role: 'user' }),
    ).rejects.toThrow(RuleViolationError);
    expect((await users.findById(admin.id))!.role.name).toBe('admin');
    expect(revocations.announced).toEqual([]);
  });
});
