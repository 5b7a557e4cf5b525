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
import { Role } from '../../domain/user/role.value-object';
import { Tier } from '../../domain/user/tier.value-object';
import type { User } from '../../domain/user/user.aggregate';
import { RefreshSessionHandler } from './refresh-session.handler';

describe('RefreshSessionHandler', () => {
  let clock: FixedClock;
  let users: InMemoryUsers;
  let sessions: InMemorySessions;
  let tokens: FakeTokenIssuer;
  let handler: RefreshSessionHandler;
  let user: User;
  let firstToken: string;
  let revocations: RecordedRevocations;
  let session: Session;

  beforeEach(async () => {
    clock = new FixedClock();
    users = new InMemoryUsers();
    sessions = new InMemorySessions();
    tokens = new FakeTokenIssuer();
    revocations = new RecordedRevocations();
    handler = new RefreshSessionHandler(
      immediateUnitOfWork,
      sessions,
      users,
      tokens,
      clock,
      revocations,
    );
    user = await aStoredUser(users, clock);
    const secret = tokens.newRefreshToken();
    firstToken = secret.token;
    session = Session.start(
      user.id,
      secret.hash,
      clock.now(),
      sessionPolicy.sessionLifetimeSeconds,
    );
    await sessions.save(session);
  });

  const refresh = (refreshToken: string) => handler.execute({ refreshToken });

  it('answers a new pair and spends the presented token', async () => {
    const pair = await refresh(firstToken);
    expect(pair.refreshToken).not.toBe(firstToken);
    expect(pair.expiresInSeconds).toBe(900);
    await expect(refresh(pair.refreshToken)).resolves.toBeDefined();
  });

  it('revokes the family when a spent token comes back, so the newest one stops working too', async () => {
    const rotated = await refresh(firstToken);

    await expect(refresh(firstToken)).rejects.toThrow(UnauthenticatedError);

    expect(sessions.familyOf(tokens.hashRefreshToken(firstToken))).toMatchObject({
      revokedReason: 'reuse_detected',
    });
    await expect(refresh(rotated.refreshToken)).rejects.toThrow(UnauthenticatedError);
  });

  it("announces the family's end on a reuse, so its access tokens stop at once", async () => {
    await refresh(firstToken);
    expect(revocations.announced).toEqual([]);

    await expect(refresh(firstToken)).rejects.toThrow(UnauthenticatedError);

    expect(revocations.announced).toEqual([
      { kind: 'session_ended', sessionId: session.id, userId: user.id, endedAt: clock.now() },
    ]);
  });

  it('fails (not 401) while the end cannot be announced; a retry announces it', async () => {
    await refresh(firstToken);
    revocations.failing = true;
    await expect(refresh(firstToken)).rejects.toThrow('redis is down');
    revocations.failing = false;
    await expect(refresh(firstToken)).rejects.toThrow(UnauthenticatedError);
    expect(revocations.announced).toMatchObject([{ kind: 'session_ended', sessionId: session.id }]);
  });

  it('carries the session id in every access token of the family', async () => {
    const pair = await refresh(firstToken);
    await refresh(pair.refreshToken);
    expect(tokens.issued.map((subject) => subject.sessionId)).toEqual([session.id, session.id]);
  });

  it('refuses an unknown token', async () => {
    await expect(refresh('never issued')).rejects.toThrow(UnauthenticatedError);
  });

  it('refuses an expired token', async () => {
    clock.advanceSeconds(sessionPolicy.sessionLifetimeSeconds);
    await expect(refresh(firstToken)).rejects.toThrow(UnauthenticatedError);
  });

  it('puts the current role and tier in the new access token', async () => {
    const stored = (await users.findById(user.id))!;
    stored.changeAccess(
      { role: Role.agent, tier: Tier.create(25000) },
      'someone-else' as User['id'],
      clock.now(),
    );
    await users.update(stored);

    await refresh(firstToken);

    expect(tokens.issued.at(-1)).toEqual({
      userId: user.id,
      role: 'agent',
      tier: 25000,
      sessionId: session.id,
    });
  });
});
