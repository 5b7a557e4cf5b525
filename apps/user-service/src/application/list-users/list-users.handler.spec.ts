import { ValidationError } from '@ajla/shared-kernel';
import { aStoredUser, FixedClock, InMemoryUsers } from '../../../test/fakes';
import { Role } from '../../domain/user/role.value-object';
import { ListUsersHandler } from './list-users.handler';

describe('ListUsersHandler', () => {
  let users: InMemoryUsers;
  let handler: ListUsersHandler;

  beforeEach(async () => {
    users = new InMemoryUsers();
    handler = new ListUsersHandler(users);
    const clock = new FixedClock();
    for (const [name, role] of [
      ['a1', Role.agent],
      ['u1', Role.user],
      ['a2', Role.agent],
      ['a3', Role.agent],
    ] as const) {
      clock.advanceSeconds(1);
      await aStoredUser(users, clock, { fullName: name, role });
    }
  });

  it('lists one role, newest first, one page at a time', async () => {
    const first = await handler.execute({ role: 'agent', page: 1, pageSize: 2 });
    expect(first.items.map((u) => u.fullName)).toEqual(['a3', 'a2']);
    expect(first).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    const second = await handler.execute({ role: 'agent', page: 2, pageSize: 2 });
    expect(second.items.map((u) => u.fullName)).toEqual(['a1']);
  });

  it('lists everyone without a role', async () => {
    expect((await handler.execute({ page: 1, pageSize: 20 })).total).toBe(4);
  });

  it.each([
    [{ role: 'root', page: 1, pageSize: 20 }],
    [{ page: 0, pageSize: 20 }],
    [{ page: 1, pageSize: 101 }],
    [{ page: 1, pageSize: 0 }],
  ])('refuses %p', async (query) => {
    await expect(handler.execute(query)).rejects.toThrow(ValidationError);
  });
});
