import { aStoredUser, FakePasswordHasher, FixedClock, InMemoryUsers } from '../../../test/fakes';
import { Role } from '../../domain/user/role.value-object';
import { User } from '../../domain/user/user.aggregate';
import { EnsureAdminHandler } from './ensure-admin.handler';

describe('EnsureAdminHandler', () => {
  const clock = new FixedClock();
  let users: InMemoryUsers;
  let handler: EnsureAdminHandler;

  beforeEach(() => {
    users = new InMemoryUsers();
    handler = new EnsureAdminHandler(users, new FakePasswordHasher(), clock);
  });

  it('creates the admin once, then leaves it as it is', async () => {
    const first = await handler.execute({
      email: 'Root@ajla.test',
      password: 'admin password',
      fullName: 'Root',
    });
    expect(first.result).toBe('created');
    expect(first.user.role.name).toBe('admin');
    expect(first.user.passwordHash).toBe('hash:admin password');

    const second = await handler.execute({ email: 'root@ajla.test', password: 'a new password' });
    expect(second).toMatchObject({ result: 'already_admin' });
    expect(second.user.id).toBe(first.user.id);
    expect((await users.findById(first.user.id))!.passwordHash).toBe('hash:admin password');
    expect(users.count).toBe(1);
  });

  it('never promotes an account that exists with another role', async () => {
    const client = await aStoredUser(users, clock, {
      email: 'root@ajla.test',
      password: 'their password',
    });
    const outcome = await handler.execute({ email: 'root@ajla.test', password: 'admin password' });
    expect(outcome.result).toBe('not_an_admin');
    const stored = (await users.findById(client.id))!;
    expect(stored.role.name).toBe('user');
    expect(stored.passwordHash).toBe('hash:their password');
  });

  it('settles a race with another replica that created it a moment earlier', async () => {
    class AnotherReplicaWins extends InMemoryUsers {
      override async add(user: User): Promise<void> {
        await super.add(
          User.create({ email: user.email, passwordHash: 'hash:x', role: Role.admin }, clock.now()),
        );
        await super.add(user);
      }
    }
    const racing = new AnotherReplicaWins();
    const outcome = await new EnsureAdminHandler(racing, new FakePasswordHasher(), clock).execute({
      email: 'root@ajla.test',
      password: 'admin password',
    });
    expect(outcome.result).toBe('already_admin');
    expect(racing.count).toBe(1);
  });
});
