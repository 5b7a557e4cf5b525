import type { UserId } from '../user/user-id';
import { Session } from './session.aggregate';

const userId = '01936f3e-0000-7000-8000-000000000001' as UserId;
const t0 = new Date('2025-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const DAY = 24 * 3600;
const LIFETIME = 30 * DAY;

describe('Session (refresh token family)', () => {
  it('starts with one live token that expires after its lifetime', () => {
    const session = Session.start(userId, 'h1', t0, LIFETIME);
    expect(session.isRevoked).toBe(false);
    expect(session.tokens).toHaveLength(1);
    expect(session.newestToken).toMatchObject({
      tokenHash: 'h1',
      spentAt: null,
      expiresAt: at(LIFETIME),
    });
  });

  it('rotates: the presented token is spent and replaced by a fresh one', () => {
    const session = Session.start(userId, 'h1', t0, LIFETIME);
    const first = session.newestToken;

    const outcome = session.rotate('h1', 'h2', at(60));

    expect(outcome.rotated).toBe(true);
    const successor = session.newestToken;
    expect(successor.tokenHash).toBe('h2');
    // Rotation does not extend the session.
    expect(successor.expiresAt).toEqual(at(LIFETIME));
    expect(first.spentAt).toEqual(at(60));
    expect(first.replacedById).toBe(successor.id);
    expect(session.isRevoked).toBe(false);
  });

  it('revokes the whole family when a spent token is presented again', () => {
    const session = Session.start(userId, 'h1', t0, LIFETIME);
    session.rotate('h1', 'h2', at(60));

    const reuse = session.rotate('h1', 'h3', at(120));

    expect(reuse).toEqual({ rotated: false, reason: 'token_reused' });
    expect(session.isRevoked).toBe(true);
    expect(session.revokedReason).toBe('reuse_detected');
    expect(session.revokedAt).toEqual(at(120));
    // The newest token, never used, no longer works either.
    expect(session.rotate('h2', 'h4', at(180))).toEqual({
      rotated: false,
      reason: 'session_revoked',
    });
  });

  it('ends a fixed time after the login, however often it was rotated', () => {
    const session = Session.start(userId, 'h1', t0, LIFETIME);
    expect(session.rotate('h1', 'h2', at(LIFETIME - 10)).rotated).toBe(true);
    expect(session.rotate('h2', 'h3', at(LIFETIME))).toEqual({
      rotated: false,
      reason: 'token_expired',
    });
  });

  it('refuses an expired token without revoking the family', () => {
    const session = Session.start(userId, 'h1', t0, LIFETIME);
    expect(session.rotate('h1', 'h2', at(LIFETIME))).toEqual({
      rotated: false,
      reason: 'token_expired',
    });
    expect(session.isRevoked).toBe(false);
    expect(session.newestToken.isSpent).toBe(false);
  });

  it('refuses a token it does not hold', () => {
    const session = Session.start(userId, 'h1', t0, LIFETIME);
    expect(session.rotate('other', 'h2', at(1))).toEqual({
      rotated: false,
      reason: 'unknown_token',
    });
  });

  it('refuses every token after logout, and a second revocation keeps the first reason', () => {
    const session = Session.start(userId, 'h1', t0, LIFETIME);
    session.revoke('logout', at(10));
    session.revoke('reuse_detected', at(20));
    expect(session.revokedReason).toBe('logout');
    expect(session.revokedAt).toEqual(at(10));
    expect(session.rotate('h1', 'h2', at(30))).toEqual({
      rotated: false,
      reason: 'session_revoked',
    });
    expect(session.newestToken.isSpent).toBe(false);
  });

  it('knows whose it is', () => {
    const session = Session.start(userId, 'h1', t0, LIFETIME);
    expect(session.belongsTo(userId)).toBe(true);
    expect(session.belongsTo('01936f3e-0000-7000-8000-000000000002' as UserId)).toBe(false);
  });
});
