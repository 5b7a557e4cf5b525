import type { WebSocket } from 'ws';
import { T0, changed, ended, token } from '../../test/revocations';
import { SessionRevocations } from '../revocations/session-revocations';
import type { AuthenticatedUser } from '../tokens/access-token';
import { SessionSockets, type SessionSocket } from './session-sockets';

class FakeSocket implements SessionSocket {
  started = false;
  closes: Array<[number, string]> = [];
  constructor(readonly token: AuthenticatedUser) {}
  async start(): Promise<void> {
    this.started = true;
  }
  stop(): void {}
  close(code: number, reason: string): void {
    this.closes.push([code, reason]);
  }
}

describe('SessionSockets', () => {
  const clock = { now: T0 };
  let revocations: SessionRevocations;
  let sockets: SessionSockets<FakeSocket>;

  const open = (t: AuthenticatedUser, ws = {} as WebSocket) => {
    const connection = new FakeSocket(t);
    sockets.open(ws, connection);
    return connection;
  };

  beforeEach(() => {
    clock.now = T0;
    revocations = new SessionRevocations({ graceMs: 1000, now: () => clock.now });
    revocations.confirmComplete(clock.now);
    sockets = new SessionSockets(revocations, {
      metrics: { name: 'things', noun: 'thing' },
      logger: { error: jest.fn() },
      describe: () => 'thing',
    });
  });

  it("closes with 1008 the sockets of an ended session, and no other session's", () => {
    const mine = open(token());
    const other = open(token({ sessionId: 'session-2' }));
    revocations.add(ended('session-1'));
    expect(mine.closes).toEqual([[1008, 'session revoked']]);
    expect(other.closes).toEqual([]);
  });

  it("closes with 1008 'access changed' the sockets of a user whose role changed", () => {
    const theirs = open(token());
    const someoneElse = open(token({ id: 'user-2', sessionId: 'session-2' }));
    revocations.add(changed('user', T0, 'user-1'));
    expect(theirs.closes).toEqual([[1008, 'access changed']]);
    expect(someoneElse.closes).toEqual([]);
  });

  it('listens to the revocation list from its first socket to its last', () => {
    const listen = revocations.onEntry.bind(revocations);
    let listening = 0;
    jest.spyOn(revocations, 'onEntry').mockImplementation((listener) => {
      listening++;
      const stop = listen(listener);
      return () => {
        listening--;
        stop();
      };
    });
    const [ws1, ws2] = [{} as WebSocket, {} as WebSocket];
    open(token(), ws1);
    open(token({ sessionId: 'session-2' }), ws2);
    expect(listening).toBe(1);
    sockets.closed(ws1, 1000);
    expect(listening).toBe(1);
    sockets.closed(ws2, 1001);
    expect(listening).toBe(0);
    const again = open(token({ sessionId: 'session-4' }));
    expect(listening).toBe(1);
    revocations.add(ended('session-4'));
    expect(again.closes).toEqual([[1008, 'session revoked']]);
  });

  it('closes at once, unstarted, a socket revoked while its handshake was checked', () => {
    revocations.add(ended('session-1'));
    revocations.add(changed('user', T0, 'user-2'));
    const revoked = open(token());
    const accessChanged = open(token({ id: 'user-2', sessionId: 'session-2' }));
    const fine = open(token({ id: 'user-3', sessionId: 'session-3' }));
    expect(revoked.closes).toEqual([[1008, 'session revoked']]);
    expect(revoked.started).toBe(false);
    expect(accessChanged.closes).toEqual([[1008, 'access changed']]);
    expect(accessChanged.started).toBe(false);
    expect(fine.started).toBe(true);
  });

  it('lets a socket start while the list cannot vouch for itself (its reload closes what it must)', () => {
    clock.now = T0 + 5000;
    const connection = open(token());
    expect(connection.started).toBe(true);
    expect(connection.closes).toEqual([]);
  });
});
