import { Email, RuleViolationError, ValidationError } from '@ajla/shared-kernel';
import { Preferences } from './preferences.value-object';
import { Role } from './role.value-object';
import { Tier } from './tier.value-object';
import { User } from './user.aggregate';
import { UserStateReported } from './user-state-reported.domain-event';
import { UserRegistered } from './user-registered.domain-event';
import { UserUpdated } from './user-updated.domain-event';

const now = new Date('2025-03-01T10:00:00.000Z');
const later = new Date('2025-03-01T11:00:00.000Z');

function aClient(): User {
  const user = User.create(
    {
      email: Email.create('layla@ajla.test'),
      passwordHash: 'h',
      fullName: 'Layla',
      role: Role.user,
    },
    now,
  );
  user.pullEvents();
  return user;
}

describe('User', () => {
  it('starts a new account at the standard tier with no preferences and records UserRegistered', () => {
    const user = User.create(
      {
        email: Email.create('  Layla.Al-Amin@Example.COM '),
        passwordHash: 'h',
        fullName: ' ليلى 🌙 ',
        role: Role.user,
      },
      now,
    );

    expect(user.email.value).toBe('layla.al-amin@example.com');
    expect(user.fullName).toBe('ليلى 🌙');
    expect(user.tier.level).toBe(5000);
    expect(user.preferences.toJSON()).toEqual({});
    expect(user.createdAt).toEqual(now);
    const [event] = user.pullEvents();
    expect(event).toBeInstanceOf(UserRegistered);
    expect(event).toMatchObject({
      eventName: 'user.registered',
      aggregateId: user.id,
      occurredAt: now,
      payload: {
        email: 'layla.al-amin@example.com',
        fullName: 'ليلى 🌙',
        role: 'user',
        tier: 5000,
      },
    });
  });

  it('gives every account its own UUIDv7 id', () => {
    const a = aClient();
    const b = aClient();
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.id).not.toBe(b.id);
  });

  it('treats a blank name as no name and refuses control characters', () => {
    expect(
      User.create(
        { email: Email.create('a@ajla.test'), passwordHash: 'h', fullName: '   ', role: Role.user },
        now,
      ).fullName,
    ).toBeNull();
    expect(() =>
      User.create(
        {
          email: Email.create('a@ajla.test'),
          passwordHash: 'h',
          fullName: 'a\u0000b',
          role: Role.user,
        },
        now,
      ),
    ).toThrow(ValidationError);
    expect(() =>
      User.create(
        {
          email: Email.create('a@ajla.test'),
          passwordHash: 'h',
          fullName: 'x'.repeat(201),
          role: Role.user,
        },
        now,
      ),
    ).toThrow(ValidationError);
  });

  it('restores a stored account without recording anything', () => {
    const user = aClient();
    const restored = User.restore(user.id, {
      email: user.email,
      passwordHash: 'h',
      fullName: null,
      role: Role.agent,
      tier: Tier.create(25000),
      preferences: Preferences.empty,
      createdAt: now,
      updatedAt: now,
      hasBeenStaff: true,
    });
    expect(restored.pendingEvents).toHaveLength(0);
    expect(restored.role.name).toBe('agent');
  });

  it('remembers that an account was staff, also after a demotion', () => {
    const client = aClient();
    expect(client.hasBeenStaff).toBe(false);
    const admin = User.createStaff(
      { email: Email.create('boss@ajla.test'), passwordHash: 'h', role: Role.admin },
      now,
    );
    expect(admin.hasBeenStaff).toBe(true);
    client.changeAccess({ role: Role.agent }, admin.id, now);
    client.changeAccess({ role: Role.user }, admin.id, now);
    expect(client.hasBeenStaff).toBe(true);
  });

  it('reports its state as of its last change, changing nothing', () => {
    const user = aClient();
    user.pullEvents();
    const later = new Date(now.getTime() + 60_000);
    user.reportState('request-service', later);
    const [event] = user.pullEvents();
    expect(event).toBeInstanceOf(UserStateReported);
    expect(event).toMatchObject({
      occurredAt: later,
      payload: { role: 'user', asOf: user.updatedAt, requestedBy: 'request-service' },
    });
    expect(user.updatedAt).toEqual(now);
  });

  describe('createStaff', () => {
    it('makes agents and admins', () => {
      const agent = User.createStaff(
        { email: Email.create('agent@ajla.test'), passwordHash: 'h', role: Role.agent },
        now,
      );
      expect(agent.role.name).toBe('agent');
      expect(agent.pendingEvents[0]).toBeInstanceOf(UserRegistered);
    });

    it('refuses a client role with the staff_role_required rule', () => {
      expect(() =>
        User.createStaff(
          { email: Email.create('c@ajla.test'), passwordHash: 'h', role: Role.user },
          now,
        ),
      ).toThrow(expect.objectContaining({ code: 'rule_violated', reason: 'staff_role_required' }));
    });
  });

  describe('updateProfile', () => {
    it('changes name and preferences and records only what changed', () => {
      const user = aClient();
      user.updateProfile({ preferences: Preferences.create({ language: 'ar' }) }, later);

      expect(user.preferences.toJSON()).toEqual({ language: 'ar' });
      expect(user.fullName).toBe('Layla');
      expect(user.updatedAt).toEqual(later);
      const [event] = user.pullEvents();
      expect(event).toBeInstanceOf(UserUpdated);
      expect(event!.payload).toEqual({ preferences: { language: 'ar' } });
    });

    it('removes the name with null', () => {
      const user = aClient();
      user.updateProfile({ fullName: null }, later);
      expect(user.fullName).toBeNull();
      expect(user.pullEvents()[0]!.payload).toEqual({ fullName: null });
    });

    it('records nothing when nothing changes', () => {
      const user = aClient();
      user.updateProfile({ fullName: 'Layla', preferences: Preferences.create({}) }, later);
      expect(user.pendingEvents).toHaveLength(0);
      expect(user.updatedAt).toEqual(now);
    });
  });

  describe('changeAccess', () => {
    const admin = User.create(
      { email: Email.create('boss@ajla.test'), passwordHash: 'h', role: Role.admin },
      now,
    );

    it('changes role and tier and records UserUpdated', () => {
      const user = aClient();
      user.changeAccess({ role: Role.agent, tier: Tier.create(100000) }, admin.id, later);
      expect(user.role.name).toBe('agent');
      expect(user.tier.level).toBe(100000);
      expect(user.pullEvents()[0]!.payload).toEqual({ role: 'agent', tier: 100000 });
    });

    it('refuses an admin changing their own role', () => {
      expect(() => admin.changeAccess({ role: Role.user }, admin.id, later)).toThrow(
        RuleViolationError,
      );
      expect(() => admin.changeAccess({ role: Role.user }, admin.id, later)).toThrow(
        expect.objectContaining({ reason: 'own_role_change' }),
      );
      expect(admin.role.name).toBe('admin');
    });

    it('lets an admin change their own tier, or "change" their role to what it is', () => {
      const self = User.create(
        { email: Email.create('self@ajla.test'), passwordHash: 'h', role: Role.admin },
        now,
      );
      self.pullEvents();
      self.changeAccess({ role: Role.admin, tier: Tier.create(25000) }, self.id, later);
      expect(self.tier.level).toBe(25000);
      expect(self.pullEvents()[0]!.payload).toEqual({ tier: 25000 });
    });
  });
});
