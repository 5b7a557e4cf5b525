import { RateLimitedError, UnauthenticatedError } from '@ajla/shared-kernel';
import {
  aStoredUser,
  FakePasswordHasher,
  FakeTokenIssuer,
  FixedClock,
  InMemoryLoginThrottle,
  InMemorySessions,
  InMemoryUsers,
  sessionPolicy,
} from '../../../test/fakes';
import { Role } from '../../domain/user/role.value-object';
import { INVALID_CREDENTIALS, LogInHandler } from './log-in.handler';

describe('LogInHandler', () => {
  let clock: FixedClock;
  let users: InMemoryUsers;
  let sessions: InMemorySessions;
  let hasher: FakePasswordHasher;
  let tokens: FakeTokenIssuer;
  let handler: LogInHandler;

  beforeEach(() => {
    clock = new FixedClock();
    users = new InMemoryUsers();
    sessions = new InMemorySessions();
    hasher = new FakePasswordHasher();
    tokens = new FakeTokenIssuer();
    handler = new LogInHandler(
      users,
      sessions,
      hasher,
      tokens,
      new InMemoryLoginThrottle(clock),
      sessionPolicy,
      clock,
    );
  });

  const logIn = (email: string, password: string, clientAddress = '203.0.113.7') =>
    handler.execute({ email, password, clientAddress });

  it('answers a token pair and starts a session for the right password, e-mail in any case', async () => {
    const user = await aStoredUser(users, clock, {
      email: 'layla@ajla.test',
      password: 'correct horse',
      role: Role.agent,
    });

    const pair = await logIn('LAYLA@ajla.test', 'correct horse');

    expect(pair).toEqual({
      accessToken: expect.any(String),
      refreshToken: 'refresh-1',
      expiresInSeconds: 900,
    });
    expect(sessions.familyOf(tokens.hashRefreshToken('refresh-1'))).toMatchObject({
      revokedAt: null,
    });
    // The access token names its session, so that ending the session ends the token.
    const session = await sessions.findByTokenHashForUpdate(tokens.hashRefreshToken('refresh-1'));
    expect(tokens.issued).toEqual([
      { userId: user.id, role: 'agent', tier: 5000, sessionId: session!.id },
    ]);
  });

  it('gives the same error for a wrong password and an unknown e-mail, and verifies a decoy for the latter', async () => {
    await aStoredUser(users, clock, { email: 'layla@ajla.test', password: 'correct horse' });

    const wrong = await logIn('layla@ajla.test', 'wrong horse').catch((e: unknown) => e);
    const unknown = await logIn('nobody@ajla.test', 'wrong horse').catch((e: unknown) => e);

    expect(wrong).toBeInstanceOf(UnauthenticatedError);
    expect(unknown).toBeInstanceOf(UnauthenticatedError);
    expect(unknown).toMatchObject({ message: INVALID_CREDENTIALS, reason: 'invalid_credentials' });
    expect(wrong).toMatchObject({ message: INVALID_CREDENTIALS, reason: 'invalid_credentials' });
    expect(hasher.verifications).toBe(2);
    expect(hasher.decoyVerifications).toBe(1);
  });

  it('refuses an account after 10 failures, even with the right password, until the window passes', async () => {
    await aStoredUser(users, clock, { email: 'layla@ajla.test', password: 'correct horse' });
    for (let i = 0; i < 10; i++) {
      await expect(logIn('layla@ajla.test', `guess ${i}`, `198.51.100.${i}`)).rejects.toThrow(
        UnauthenticatedError,
      );
    }
    clock.advanceSeconds(60);

    const refused = await logIn('layla@ajla.test', 'correct horse').catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterSeconds).toBe(15 * 60 - 60);
    clock.advanceSeconds(15 * 60);
    await expect(logIn('layla@ajla.test', 'correct horse')).resolves.toBeDefined();
  });

  it('does not count successful logins', async () => {
    await aStoredUser(users, clock, { email: 'layla@ajla.test', password: 'correct horse' });
    for (let i = 0; i < 30; i++) await logIn('layla@ajla.test', 'correct horse');
    await expect(logIn('layla@ajla.test', 'correct horse')).resolves.toBeDefined();
  });

  it('re-hashes a password hashed with weaker parameters after a successful login', async () => {
    const user = await aStoredUser(users, clock, { email: 'old@ajla.test' });
    const stored = (await users.findById(user.id))!;
    stored.rehashPassword('weak:old password');
    hasher.weakHashes.add('weak:old password');
    await users.update(stored);

    await logIn('old@ajla.test', 'old password');

    expect((await users.findById(user.id))!.passwordHash).toBe('hash:old password');
  });
});
