import { ConflictError, RuleViolationError, ValidationError } from '@ajla/shared-kernel';
import { aStoredUser, FakePasswordHasher, FixedClock, InMemoryUsers } from '../../../test/fakes';
import { CreateStaffUserHandler } from './create-staff-user.handler';

describe('CreateStaffUserHandler', () => {
  const clock = new FixedClock();
  let users: InMemoryUsers;
  let handler: CreateStaffUserHandler;

  beforeEach(() => {
    users = new InMemoryUsers();
    handler = new CreateStaffUserHandler(users, new FakePasswordHasher(), clock);
  });

  it.each(['agent', 'admin'])('creates an %s account', async (role) => {
    const user = await handler.execute({
      email: `${role}@ajla.test`,
      password: 'staff password',
      fullName: 'Staff',
      role,
    });
    expect(user.role.name).toBe(role);
    expect((await users.findById(user.id))?.role.name).toBe(role);
  });

  it('refuses a client role', async () => {
    await expect(
      handler.execute({ email: 'c@ajla.test', password: 'staff password', role: 'user' }),
    ).rejects.toThrow(RuleViolationError);
  });

  it('refuses an unknown role', async () => {
    await expect(
      handler.execute({ email: 'c@ajla.test', password: 'staff password', role: 'root' }),
    ).rejects.toThrow(ValidationError);
  });

  it('refuses a taken e-mail', async () => {
    await aStoredUser(users, clock, { email: 'taken@ajla.test' });
    await expect(
      handler.execute({ email: 'Taken@ajla.test', password: 'staff password', role: 'agent' }),
    ).rejects.toThrow(ConflictError);
  });
});
