import { UnauthenticatedError } from '@ajla/shared-kernel';
import {
  aStoredUser,
  FakeTokenIssuer,
  FixedClock,
  immediateUnitOfWork,
  InMemorySessions,
  InMemoryUsers,
  RecordedRevocations,
  sessionPolicy,
} from '../../../test/fakes';
import { Session } from '../../domain/session/session.aggregate';
import type { User } from '../../domain/user/user.aggregate';
import { RefreshSessionHandler } from '../refresh-session/refresh-session.handler';
import { LogOutHandler } from './log-out.handler';

describe('LogOutHandler', () => {
  let clock: FixedClock;
  let users: InMemoryUsers;
  let sessions: InMemorySessions;
  let tokens: FakeTokenIssuer;
  let handler: LogOutHandler;
  let refresh: RefreshSessionHandler;
  let user: User;
  let token: string;
  let revocations: RecordedRevocations;
  let session: Session;

  beforeEach(async () => {
    clock = new FixedClock();
    users = new InMemoryUsers();
    sessions = new InMemorySessions();
    tokens = new FakeTokenIssuer();
    revocations = new RecordedRevocations();
    handler = new LogOutHandler(immediateUnitOfWork, sessions, tokens, clock, revocations);
    refresh = new RefreshSessionHandler(
      immediateUnitOfWork,
      sessions,
      users,
      tokens,
      clock,
      revocations,
    );
    user = await aStoredUser(users, clock);
    const secret = tokens.newRefreshToken();
    token = secret.token;
    session = Session.start(
      user.id,
      secret.hash,
      clock.now(),
      sessionPolicy.sessionLifetimeSeconds,
    );
    await sessions.save(session);
  });

  it('revokes the family: neither the presented token nor any other of the family can refresh', async () => {
    const rotated = await refresh.execute({ refreshToken: token });

    await handler.execute({ userId: user.id, refreshToken: rotated.refreshToken });

    expect(sessions.familyOf(tokens.hashRefreshToken(token))).toMatchObject({
      revokedReason: 'logout',
    });
    await expect(refresh.execute({ refreshToken: rotated.refreshToken })).rejects.toThrow(
      UnauthenticatedError,
    );
  });

  it("announces the session's end, so its access tokens are refused at once", async () => {
    await handler.execute({ userId: user.id, refreshToken: token });
    expect(revocations.announced).toEqual([
      { kind: 'session_ended', sessionId: session.id, userId: user.id, endedAt: clock.now() },
    ]);
  });

  it('fails while the end cannot be announced, and a retry announces it', async () => {
    revocations.failing = true;
    await expect(handler.execute({ userId: user.id, refreshToken: token })).rejects.toThrow();
    revocations.failing = false;
    clock.advanceSeconds(5);
    await handler.execute({ userId: user.id, refreshToken: token });
    expect(revocations.announced).toMatchObject([{ sessionId: session.id }]);
  });

  it('is idempotent and quiet about unknown tokens', async () => {
    await handler.execute({ userId: user.id, refreshToken: token });
    await expect(
      handler.execute({ userId: user.id, refreshToken: token }),
    ).resolves.toBeUndefined();
    await expect(
      handler.execute({ userId: user.id, refreshToken: 'never issued' }),
    ).resolves.toBeUndefined();
  });

  it("leaves another user's session alone", async () => {
    const other = await aStoredUser(users, clock);
    await handler.execute({ userId: other.id, refreshToken: token });
    expect(sessions.familyOf(tokens.hashRefreshToken(token))).toMatchObject({ revokedAt: null });
    expect(revocations.announced).toEqual([]);
  });
});
