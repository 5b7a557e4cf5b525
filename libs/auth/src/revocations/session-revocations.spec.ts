import { UnauthenticatedError } from '@ajla/shared-kernel';
import { KEEP, T0, changed, ended, token } from '../../test/revocations';
import { encodeRevocationEntry, parseRevocationEntry, RevocationEntry } from './revocation-entry';
import {
  RevocationFeedUnavailableError,
  SessionRevocations,
  revocationAffects,
} from './session-revocations';

function listAt(clock: { now: number }, graceMs = 1000): SessionRevocations {
  const list = new SessionRevocations({ graceMs, now: () => clock.now });
  list.confirmComplete(clock.now);
  return list;
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof UnauthenticatedError) return `${error.reason}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('SessionRevocations', () => {
  it('refuses every token of an ended session with session_revoked, and no other session', () => {
    const clock = { now: T0 };
    const list = listAt(clock);
    list.add(ended('session-1'));

    expect(refusal(() => list.admit(token()))).toBe(
      'session_revoked: Session has ended: sign in again',
    );
    expect(list.admit(token({ sessionId: 'session-2' }))).toEqual(
      token({ sessionId: 'session-2' }),
    );
  });

  it("gives a user's tokens issued up to an access change the new role and tier, and leaves later ones", () => {
    const clock = { now: T0 + 5000 };
    const list = listAt(clock);
    list.add(changed('user', T0 + 400));

    expect(list.admit(token({ issuedAt: T0 / 1000 - 600 }))).toMatchObject({
      role: 'user',
      tier: 5000,
    });
    // Issued in the second of the change: it may have read the user before the change.
    expect(list.admit(token({ issuedAt: T0 / 1000 + 1 }))).toMatchObject({ role: 'user' });
    const later = token({ issuedAt: T0 / 1000 + 2, role: 'admin' });
    expect(list.admit(later)).toEqual(later);
    expect(list.admit(token({ id: 'user-2' }))).toMatchObject({ role: 'agent' });
  });

  it('keeps the newest access change of a user, whatever order they arrive in', () => {
    const clock = { now: T0 + 10_000 };
    const list = listAt(clock);
    expect(list.add(changed('admin', T0 + 2000))).toBe(true);
    expect(list.add(changed('user', T0 + 1000))).toBe(false);
    expect(list.admit(token())).toMatchObject({ role: 'admin' });
  });

  it('tells listeners of news only: the same entry from the set and the channel is heard once', () => {
    const clock = { now: T0 };
    const list = listAt(clock);
    const heard: RevocationEntry[] = [];
    const unsubscribe = list.onEntry((entry) => heard.push(entry));
    list.add(ended('session-1'));
    list.add(ended('session-1'));
    list.add(changed('user'));
    list.add(changed('user'));
    unsubscribe();
    list.add(ended('session-3'));
    expect(heard.map((entry) => entry.kind)).toEqual(['session_revoked', 'access_changed']);
  });

  it('forgets entries once no token they apply to can be valid, and ignores expired ones', () => {
    const clock = { now: T0 };
    const list = listAt(clock, 10 * KEEP);
    list.add(ended('session-1'));
    list.add(changed('user', T0 + 1000, 'user-2'));
    expect(list.size).toBe(2);

    clock.now = T0 + KEEP; // the ended session's entry expires now, the change a second later
    expect(list.admit(token())).toEqual(token());
    list.prune();
    expect(list.size).toBe(1);
    clock.now = T0 + KEEP + 1000;
    list.prune();
    expect(list.size).toBe(0);

    expect(list.add(ended('session-old', T0 - KEEP))).toBe(false);
    expect(list.size).toBe(0);
  });

  it('fails closed once the feed has not vouched for the list for longer than the grace', () => {
    const clock = { now: T0 };
    const list = new SessionRevocations({ graceMs: 1000, now: () => clock.now });
    // Never loaded: nothing can be vouched for.
    expect(() => list.admit(token())).toThrow(RevocationFeedUnavailableError);
    expect(list.isCurrent).toBe(false);

    list.confirmComplete(T0);
    clock.now = T0 + 1000;
    expect(list.admit(token())).toEqual(token());
    clock.now = T0 + 1001;
    expect(() => list.admit(token())).toThrow(RevocationFeedUnavailableError);
    expect(list.staleForMs).toBe(1001);

    list.confirmComplete(T0 + 900);
    expect(list.isCurrent).toBe(true);
    list.confirmComplete(T0 - 5000); // an old confirmation never moves it back
    expect(list.isCurrent).toBe(true);
  });

  it('tells which tokens (and connections opened with them) an entry affects', () => {
    expect(revocationAffects(ended('session-1'), token())).toBe(true);
    expect(revocationAffects(ended('session-2'), token())).toBe(false);
    expect(revocationAffects(changed('user', T0), token())).toBe(true);
    expect(revocationAffects(changed('user', T0), token({ issuedAt: T0 / 1000 + 5 }))).toBe(false);
    expect(revocationAffects(changed('user', T0, 'user-2'), token())).toBe(false);
  });
});

describe('revocation entries on the wire', () => {
  it('round-trip both kinds', () => {
    for (const entry of [ended('s-1'), changed('admin')]) {
      expect(parseRevocationEntry(encodeRevocationEntry(entry))).toEqual(entry);
    }
  });

  it('refuse anything malformed rather than guess', () => {
    for (const text of [
      'not json',
      'null',
      '{}',
      '{"kind":"session_revoked","sub":"u","at":1,"until":2}',
      '{"kind":"access_changed","sub":"u","role":"root","tier":1,"at":1,"until":2}',
      '{"kind":"access_changed","sub":"u","role":"user","tier":1.5,"at":1,"until":2}',
      '{"kind":"session_revoked","sid":"s","sub":"u","at":"1","until":2}',
      '{"kind":"other","sid":"s","sub":"u","at":1,"until":2}',
    ]) {
      expect(parseRevocationEntry(text)).toBeUndefined();
    }
  });
});
