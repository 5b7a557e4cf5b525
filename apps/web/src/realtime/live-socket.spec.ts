import { afterEach, beforeEach, vi } from 'vitest';
import { FakeSocket } from '../test/fake-socket';
import { LiveSocket, type ConnectionState, type LiveSocketOptions } from './live-socket';

function harness(overrides: Partial<LiveSocketOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const frames: unknown[] = [];
  const states: ConnectionState[] = [];
  const tokenCalls: boolean[] = [];
  let resumeFrom = 0;
  const live = new LiveSocket({
    url: () => `ws://gateway/ws/thing?after=${resumeFrom}`,
    token: async (fresh) => {
      tokenCalls.push(fresh);
      return `token-${tokenCalls.length}`;
    },
    onFrame: (frame) => {
      frames.push(frame);
      resumeFrom = (frame as { n: number }).n;
    },
    onState: (state) => states.push(state),
    backoff: { initialMs: 1000, maxMs: 8000 },
    random: () => 1, // the ceiling of each back-off, to see it grow
    createSocket: (url, protocols) => {
      const socket = new FakeSocket(url, protocols);
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
    ...overrides,
  });
  const last = () => sockets[sockets.length - 1]!;
  return { live, sockets, frames, states, tokenCalls, last };
}

describe('LiveSocket', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', { OPEN: 1 });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('sends the token as the subprotocol pair, never in the URL, and hands frames over', async () => {
    const h = harness();
    h.live.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.last().protocols).toEqual(['bearer', 'token-1']);
    expect(h.last().url).not.toContain('token');
    h.last().open();
    h.last().frame({ n: 7 });
    expect(h.frames).toEqual([{ n: 7 }]);
    expect(h.live.send({ type: 'ping' })).toBe(true);
    expect(h.last().sent).toEqual(['{"type":"ping"}']);
    expect(h.states).toEqual(['connecting', 'open']);
  });

  it('reconnects after a drop with a growing back-off, resuming from what it saw', async () => {
    const h = harness();
    h.live.start();
    await vi.advanceTimersByTimeAsync(0);
    h.last().open();
    h.last().frame({ n: 3 });
    h.last().drop();
    expect(h.live.state).toBe('reconnecting');
    expect(h.live.send({ type: 'ping' })).toBe(false);

    await vi.advanceTimersByTimeAsync(999);
    expect(h.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.sockets).toHaveLength(2);
    expect(h.last().url).toBe('ws://gateway/ws/thing?after=3');

    // Failing to open: 2 s, then 4 s, then 8 s (the ceiling), then 8 s again.
    const gaps: number[] = [];
    for (let i = 0; i < 4; i++) {
      const count = h.sockets.length;
      h.last().drop();
      let waited = 0;
      while (h.sockets.length === count) {
        await vi.advanceTimersByTimeAsync(500);
        waited += 500;
      }
      gaps.push(waited);
    }
    expect(gaps).toEqual([2000, 4000, 8000, 8000]);

    // Once open again, the back-off starts over.
    h.last().open();
    const count = h.sockets.length;
    h.last().drop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(count + 1);
  });

  it('asks for a fresh token after handshakes keep failing, and after a 1008 close', async () => {
    const h = harness();
    h.live.start();
    await vi.advanceTimersByTimeAsync(0);
    h.last().drop(); // refused handshakes look like drops before open
    await vi.advanceTimersByTimeAsync(1000);
    h.last().drop();
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.tokenCalls).toEqual([false, false, true]);

    h.last().open();
    h.last().drop(1008);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.tokenCalls).toEqual([false, false, true, true]);
  });

  it('stops for good when the session is over (no token)', async () => {
    const h = harness({ token: async () => undefined });
    h.live.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sockets).toHaveLength(0);
    expect(h.live.state).toBe('closed');
  });

  it('reconnects at once when the browser is back online', async () => {
    const h = harness({ backoff: { initialMs: 60_000, maxMs: 60_000 } });
    h.live.start();
    await vi.advanceTimersByTimeAsync(0);
    h.last().open();
    h.last().drop();
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sockets).toHaveLength(2);
  });

  it('closes normally when stopped, and does not come back', async () => {
    const h = harness();
    h.live.start();
    await vi.advanceTimersByTimeAsync(0);
    h.last().open();
    h.live.stop();
    expect(h.last().closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.live.state).toBe('closed');
  });
});

describe('LiveSocket on a link that goes silent', () => {
  const heartbeat = { idleMs: 15_000, timeoutMs: 10_000, openTimeoutMs: 20_000 };
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', { OPEN: 1 });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('pings after a quiet while, and keeps the socket while the server answers', async () => {
    const h = harness({ heartbeat });
    h.live.start();
    await vi.advanceTimersByTimeAsync(0);
    h.last().open();
    await vi.advanceTimersByTimeAsync(14_999);
    expect(h.last().sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.last().sent).toEqual(['{"type":"ping"}']);
    await vi.advanceTimersByTimeAsync(9_000);
    h.last().frame({ type: 'pong' });
    expect(h.frames).toEqual([]); // the heartbeat's own
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(15_000 + 9_000);
      expect(h.last().sent.at(-1)).toBe('{"type":"ping"}');
      h.last().frame({ type: 'pong' });
    }
    expect(h.last().sent).toHaveLength(5);
    expect(h.sockets).toHaveLength(1);
    expect(h.live.state).toBe('open');
    // Any frame counts as a sign of life: a busy socket is not pinged.
    h.last().sent.length = 0;
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(10_000);
      h.last().frame({ n: i });
    }
    expect(h.last().sent).toEqual([]);
  });

  it('gives up a socket that stays silent, at once (no close event needed), and resumes on a new one', async () => {
    const h = harness({ heartbeat });
    h.live.start();
    await vi.advanceTimersByTimeAsync(0);
    h.last().open();
    h.last().frame({ n: 4 });
    await vi.advanceTimersByTimeAsync(15_000 + 10_000);
    expect(h.sockets[0]!.closedWith).toBe(4000);
    expect(h.live.state).toBe('reconnecting');
    expect(h.live.send({ type: 'x' })).toBe(false);
    h.sockets[0]!.drop(); // its close, late: changes nothing
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
    expect(h.last().url).toBe('ws://gateway/ws/thing?after=4');
    h.last().open();
    expect(h.live.state).toBe('open');
  });

  it('gives up a handshake that hangs', async () => {
    const h = harness({ heartbeat });
    h.live.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(h.sockets[0]!.closedWith).toBe(4000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
  });

  it('pings at once when the browser says it went offline', async () => {
    const h = harness({ heartbeat });
    h.live.start();
    await vi.advanceTimersByTimeAsync(0);
    h.last().open();
    window.dispatchEvent(new Event('offline'));
    expect(h.last().sent).toEqual(['{"type":"ping"}']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.sockets[0]!.closedWith).toBe(4000);
    expect(h.live.state).toBe('reconnecting');
  });

  it('stops pinging when stopped', async () => {
    const h = harness({ heartbeat });
    h.live.start();
    await vi.advanceTimersByTimeAsync(0);
    h.last().open();
    h.live.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(h.last().sent).toEqual([]);
    expect(h.sockets).toHaveLength(1);
  });
});

describe('LiveSocket coming back online', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', { OPEN: 1 });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('opens one socket however often the browser says it is online, and none while one is open', async () => {
    const h = harness({ backoff: { initialMs: 60_000, maxMs: 60_000 } });
    h.live.start();
    await vi.advanceTimersByTimeAsync(0);
    h.last().open();
    h.last().drop();
    window.dispatchEvent(new Event('online'));
    window.dispatchEvent(new Event('online')); // while the token is fetched
    await vi.advanceTimersByTimeAsync(0);
    window.dispatchEvent(new Event('online')); // while the handshake runs
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sockets).toHaveLength(2);
    h.last().open();
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sockets).toHaveLength(2);
    expect(h.live.state).toBe('open');
  });

  it('ignores a socket it left behind, should it open or speak after all', async () => {
    const h = harness({ heartbeat: { idleMs: 15_000, timeoutMs: 10_000, openTimeoutMs: 20_000 } });
    h.live.start();
    await vi.advanceTimersByTimeAsync(20_000); // the handshake hangs: given up
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
    const [stale, fresh] = h.sockets as [FakeSocket, FakeSocket];
    stale.open();
    stale.frame({ n: 9 });
    expect(h.frames).toEqual([]);
    expect(h.live.state).toBe('reconnecting');
    fresh.open();
    expect(h.live.send({ type: 'x' })).toBe(true);
    expect(fresh.sent).toEqual(['{"type":"x"}']);
    expect(stale.sent).toEqual([]);
  });
});

describe('LiveSocket when the token cannot be had', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', { OPEN: 1 });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('tries again later rather than stalling', async () => {
    let calls = 0;
    const h = harness({
      token: async () => {
        calls += 1;
        if (calls === 1) throw new Error('storage refused');
        return 'token';
      },
    });
    h.live.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sockets).toHaveLength(0);
    expect(h.live.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(1);
  });
});
