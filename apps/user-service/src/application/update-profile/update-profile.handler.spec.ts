import { ValidationError } from '@ajla/shared-kernel';
import { aStoredUser, FixedClock, InMemoryUsers } from '../../../test/fakes';
import { UserUpdated } from '../../domain/user/user-updated.domain-event';
import { UpdateProfileHandler } from './update-profile.handler';

describe('UpdateProfileHandler', () => {
  const clock = new FixedClock();

  it('changes the name and replaces the preferences', async () => {
    const users = new InMemoryUsers();
    const user = await aStoredUser(users, clock, { fullName: 'Old Name' });

    const updated = await new UpdateProfileHandler(users, clock).execute({
      userId: user.id,
      fullName: 'ليلى',
      preferences: { language: 'ar', channels: ['email'] },
    });

    expect(updated.fullName).toBe('ليلى');
    expect(updated.preferences.toJSON()).toEqual({ language: 'ar', channels: ['email'] });
    expect(updated.pendingEvents[0]).toBeInstanceOf(UserUpdated);
    expect((await users.findById(user.id))!.fullName).toBe('ليلى');
  });

  it('leaves out what is not given', async () => {
    const users = new InMemoryUsers();
    const user = await aStoredUser(users, clock, { fullName: 'Kept' });
    const updated = await new UpdateProfileHandler(users, clock).execute({
      userId: user.id,
      preferences: { a: 1 },
    });
    expect(updated.fullName).toBe('Kept');
  });

  it('refuses preferences that are not an object', async () => {
    const users = new InMemoryUsers();
    const user = await aStoredUser(users, clock);
    await expect(
      new UpdateProfileHandler(users, clock).execute({ userId: user.id, preferences: ['a'] }),
    ).rejects.toThrow(ValidationError);
  });
});
