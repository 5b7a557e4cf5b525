import { ConflictError, ValidationError } from '@ajla/shared-kernel';
import { FakePasswordHasher, FixedClock, InMemoryUsers } from '../../../test/fakes';
import { UserRegistered } from '../../domain/user/user-registered.domain-event';
import { RegisterUserHandler } from './register-user.handler';

describe('RegisterUserHandler', () => {
  let users: InMemoryUsers;
  let handler: RegisterUserHandler;
  const clock = new FixedClock();

  beforeEach(() => {
    users = new InMemoryUsers();
    handler = new RegisterUserHandler(users, new FakePasswordHasher(), clock);
  });

  it('registers a client with a hashed password, tier 5000 and role user', async () => {
    const user = await handler.execute({
      email: 'Layla@AJLA.test',
      password: 'long enough',
      fullName: 'Layla',
    });

    expect(user).toMatchObject({
      fullName: 'Layla',
      passwordHash: 'hash:long enough',
      createdAt: clock.now(),
    });
    expect(user.email.value).toBe('layla@ajla.test');
    expect(user.role.name).toBe('user');
    expect(user.tier.level).toBe(5000);
    expect(user.pendingEvents[0]).toBeInstanceOf(UserRegistered);
    expect(await users.findById(user.id)).toBeDefined();
  });

  it('refuses an e-mail that is taken in any letter case', async () => {
    await handler.execute({ email: 'layla@ajla.test', password: 'long enough' });
    await expect(
      handler.execute({ email: 'LAYLA@ajla.TEST', password: 'other password' }),
    ).rejects.toThrow(ConflictError);
    expect(users.count).toBe(1);
  });

  it('refuses a short password and stores nothing', async () => {
    await expect(handler.execute({ email: 'a@ajla.test', password: 'seven77' })).rejects.toThrow(
      ValidationError,
    );
    expect(users.count).toBe(0);
  });
});
