import { UserUpdatedV1 } from './user-events';

describe('user.updated v1', () => {
  const updated = {
    user_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a01',
    email: 'ada@example.com',
    full_name: 'Ada',
    role: 'user',
    tier: 5000,
    updated_at: '2026-11-22T10:30:00.000Z',
    changed: ['preferences'],
  };

  it('is valid without notification_preferences (events published before it existed)', () => {
    expect(UserUpdatedV1.safeParse(updated).success).toBe(true);
  });

  it('carries which events are mailed, per event type, true or false', () => {
    const parsed = UserUpdatedV1.parse({
      ...updated,
      notification_preferences: { email: { 'request.assigned': false, 'message.created': true } },
    });
    expect(parsed.notification_preferences).toEqual({
      email: { 'request.assigned': false, 'message.created': true },
    });
    for (const bad of [
      { email: { 'user.updated': false } },
      { email: { 'request.assigned': 'no' } },
      {},
    ]) {
      expect(UserUpdatedV1.safeParse({ ...updated, notification_preferences: bad }).success).toBe(
        false,
      );
    }
  });
});
