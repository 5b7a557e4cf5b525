import { createEnvelope } from '@ajla/contracts';
import { Email } from '@ajla/shared-kernel';
import { FixedClock } from '../../../test/fakes';
import { Preferences } from '../../domain/user/preferences.value-object';
import { Role } from '../../domain/user/role.value-object';
import { Tier } from '../../domain/user/tier.value-object';
import { User } from '../../domain/user/user.aggregate';
import type { UserId } from '../../domain/user/user-id';
import { userIntegrationEventMapper } from './user-integration-event.mapper';

const clock = new FixedClock(new Date('2026-11-22T10:00:00.000Z'));
const adminId = '0192f0c4-0000-7000-8000-00000000000a' as UserId;

/** What the unit of work would write for the events `user` recorded, each checked against its contract. */
function integrationEventsOf(user: User) {
  return user.pendingEvents.map((event) => {
    const integration = userIntegrationEventMapper.toIntegrationEvent(event, user)!;
    createEnvelope(integration.type, integration.data, { producer: 'user-service' });
    return integration;
  });
}

function aUser(): User {
  return User.create(
    {
      email: Email.create('Layla@Example.com'),
      passwordHash: 'hash',
      fullName: 'ليلى 🌙',
      role: Role.user,
    },
    clock.now(),
  );
}

describe('userIntegrationEventMapper', () => {
  it('maps UserStateReported to user.snapshot, as of the last change', () => {
    const user = aUser();
    user.pullEvents();
    user.reportState('request-service', new Date('2026-11-23T08:00:00.000Z'));
    expect(integrationEventsOf(user)).toEqual([
      {
        type: 'user.snapshot',
        data: {
          user_id: user.id,
          email: 'layla@example.com',
          full_name: 'ليلى 🌙',
          role: 'user',
          tier: 5000,
          as_of: '2026-11-22T10:00:00.000Z',
          requested_by: 'request-service',
        },
      },
    ]);
  });

  it('maps UserRegistered to user.registered', () => {
    const user = aUser();
    const [event] = integrationEventsOf(user);
    expect(event).toEqual({
      type: 'user.registered',
      data: {
        user_id: user.id,
        email: 'layla@example.com',
        full_name: 'ليلى 🌙',
        role: 'user',
        tier: 5000,
        created_at: '2026-11-22T10:00:00.000Z',
      },
    });
  });

  it('maps a role and tier change to user.updated with the state after it and what changed', () => {
    const user = aUser();
    user.pullEvents();
    clock.advanceSeconds(60);
    user.changeAccess({ role: Role.agent, tier: Tier.create(25000) }, adminId, clock.now());
    const [event] = integrationEventsOf(user);
    expect(event.type).toBe('user.updated');
    expect(event.data).toEqual({
      user_id: user.id,
      email: 'layla@example.com',
      full_name: 'ليلى 🌙',
      role: 'agent',
      tier: 25000,
      updated_at: clock.now().toISOString(),
      changed: ['role', 'tier'],
      notification_preferences: { email: {} },
    });
  });

  it('publishes that preferences changed, never what they are; a removed name is null', () => {
    const user = aUser();
    user.pullEvents();
    user.updateProfile(
      { fullName: null, preferences: Preferences.create({ diet: 'vegan' }) },
      clock.now(),
    );
    const [event] = integrationEventsOf(user);
    expect(event.type).toBe('user.updated');
    expect(event.data).toMatchObject({ full_name: null, changed: ['full_name', 'preferences'] });
    expect(JSON.stringify(event)).not.toContain('vegan');
  });

  it('publishes the notification part of the preferences: which events are mailed', () => {
    const user = aUser();
    user.pullEvents();
    user.updateProfile(
      {
        preferences: Preferences.create({
          diet: 'vegan',
          notifications: { email: { 'message.created': false } },
        }),
      },
      clock.now(),
    );
    const [event] = integrationEventsOf(user);
    expect(event.data).toMatchObject({
      changed: ['preferences'],
      notification_preferences: { email: { 'message.created': false } },
    });
    expect(JSON.stringify(event)).not.toContain('vegan');
  });

  it('maps nothing when nothing was recorded', () => {
    const user = aUser();
    user.pullEvents();
    user.updateProfile({ fullName: 'ليلى 🌙' }, clock.now());
    expect(integrationEventsOf(user)).toEqual([]);
  });
});
