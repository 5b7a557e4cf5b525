import { NotFoundError } from '@ajla/shared-kernel';
import { aStoredUser, FixedClock, InMemoryUsers } from '../../../test/fakes';
import type { UserId } from '../../domain/user/user-id';
import { GetProfileHandler } from './get-profile.handler';

describe('GetProfileHandler', () => {
  it("answers the caller's account", async () => {
    const users = new InMemoryUsers();
    const user = await aStoredUser(users, new FixedClock(), { fullName: 'Layla' });
    const profile = await new GetProfileHandler(users).execute({ userId: user.id });
    expect(profile.id).toBe(user.id);
    expect(profile.fullName).toBe('Layla');
  });

  it('answers not found for an account that does not exist', async () => {
    await expect(
      new GetProfileHandler(new InMemoryUsers()).execute({
        userId: '01936f3e-0000-7000-8000-000000000009' as UserId,
      }),
    ).rejects.toThrow(NotFoundError);
  });
});
