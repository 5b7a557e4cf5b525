import { Email, ValidationError } from '@ajla/shared-kernel';
import { Password } from './password.value-object';
import {
  notificationSettingsOf,
  Preferences,
  PREFERENCES_MAX_BYTES,
} from './preferences.value-object';
import { Role } from './role.value-object';
import { Tier } from './tier.value-object';

describe('Email (as the user-service relies on it)', () => {
  it('normalises letter case and surrounding space, so comparison ignores case', () => {
    expect(Email.create(' Layla@Example.COM ').value).toBe('layla@example.com');
    expect(Email.create('LAYLA@example.com').equals(Email.create('layla@EXAMPLE.com'))).toBe(true);
  });

  it('refuses what is not an address', () => {
    expect(() => Email.create('not-an-email')).toThrow(ValidationError);
  });
});

describe('Role', () => {
  it.each(['user', 'agent', 'admin'])('accepts %s', (name) => {
    expect(Role.create(name).name).toBe(name);
  });

  it.each(['Admin', 'root', ''])('refuses %p', (name) => {
    expect(() => Role.create(name)).toThrow(
      expect.objectContaining({ code: 'validation', reason: 'invalid_role' }),
    );
  });

  it('knows who is staff', () => {
    expect([Role.user, Role.agent, Role.admin].map((r) => [r.isStaff, r.isAdmin])).toEqual([
      [false, false],
      [true, false],
      [true, true],
    ]);
  });
});

describe('Tier', () => {
  it.each([5000, 25000, 100000])('accepts %d', (level) => {
    expect(Tier.create(level).level).toBe(level);
  });

  it.each([0, 5001, -5000, 1e6, Number.NaN])('refuses %p', (level) => {
    expect(() => Tier.create(level)).toThrow(expect.objectContaining({ reason: 'invalid_tier' }));
  });

  it('compares by value', () => {
    expect(Tier.create(25000).equals(Tier.create(25000))).toBe(true);
    expect(Tier.create(5000).equals(Tier.standard)).toBe(true);
  });
});

describe('Preferences', () => {
  it('accepts a JSON object and hands out copies', () => {
    const preferences = Preferences.create({ language: 'ar', notify: { email: true } });
    const copy = preferences.toJSON();
    (copy.notify as Record<string, unknown>).email = false;
    expect(preferences.toJSON()).toEqual({ language: 'ar', notify: { email: true } });
  });

  it.each([[null], [[1, 2]], ['text'], [42], [undefined]])('refuses %p', (value) => {
    expect(() => Preferences.create(value)).toThrow(
      expect.objectContaining({ reason: 'invalid_preferences' }),
    );
  });

  it('accepts a notifications part of known events and true or false, and refuses any other', () => {
    const preferences = Preferences.create({
      notifications: { email: { 'request.submitted': false, 'message.created': true } },
    });
    expect(notificationSettingsOf(preferences.toJSON())).toEqual({
      email: { 'request.submitted': false, 'message.created': true },
    });
    expect(notificationSettingsOf({ language: 'ar' })).toEqual({ email: {} });
    for (const notifications of [
      null,
      'off',
      { sms: {} },
      { email: [] },
      { email: { 'user.updated': false } },
      { email: { 'request.assigned': 'no' } },
    ]) {
      expect(() => Preferences.create({ notifications })).toThrow(
        expect.objectContaining({ reason: 'invalid_preferences' }),
      );
    }
  });

  it('refuses more than the size limit', () => {
    expect(() => Preferences.create({ note: 'x'.repeat(PREFERENCES_MAX_BYTES) })).toThrow(
      expect.objectContaining({ reason: 'preferences_too_large' }),
    );
    // Counted in bytes: Arabic letters take two.
    expect(() => Preferences.create({ note: 'ب'.repeat(PREFERENCES_MAX_BYTES / 2) })).toThrow(
      ValidationError,
    );
  });

  it('refuses deep nesting', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 20; i++) deep = { d: deep };
    expect(() => Preferences.create(deep)).toThrow(
      expect.objectContaining({ reason: 'invalid_preferences' }),
    );
  });

  it('compares by content', () => {
    expect(Preferences.create({ a: 1 }).equals(Preferences.create({ a: 1 }))).toBe(true);
    expect(Preferences.create({ a: 1 }).equals(Preferences.create({ a: 2 }))).toBe(false);
  });
});

describe('Password', () => {
  it('needs at least 8 characters, counted as a person counts them', () => {
    expect(() => Password.create('seven77')).toThrow(
      expect.objectContaining({ reason: 'password_too_short' }),
    );
    expect(Password.create('eight888').value).toBe('eight888');
    // 4 emoji are 8 UTF-16 units but 4 characters.
    expect(() => Password.create('🌙🌙🌙🌙')).toThrow(ValidationError);
  });

  it('has an upper bound so that hashing cannot be abused', () => {
    expect(() => Password.create('x'.repeat(129))).toThrow(
      expect.objectContaining({ reason: 'password_too_long' }),
    );
    expect(Password.create('x'.repeat(128)).value).toHaveLength(128);
  });

  it('does not show itself in logs', () => {
    expect(JSON.stringify({ password: Password.create('secret password') })).not.toContain(
      'secret',
    );
    expect(`${Password.create('secret password')}`).not.toContain('secret');
  });
});
