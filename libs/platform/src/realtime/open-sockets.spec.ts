import { Registry } from 'prom-client';
import type { WebSocket } from 'ws';
import { OpenSockets, type OpenSocket, type SocketClose } from './open-sockets';

/** A connection that records what was done to it; `failStart` makes its start reject. */
class FakeConnection implements OpenSocket {
  started = false;
  stopped = false;
  closes: Array<[number, string]> = [];

  constructor(
    readonly name: string,
    private readonly failStart = false,
  ) {}

  async start(): Promise<void> {
    this.started = true;
    if (this.failStart) throw new Error('database away');
  }

  stop(): void {
    this.stopped = true;
  }

  close(code: number, reason: string): void {
    this.closes.push([code, reason]);
  }
}

const socket = () => ({}) as WebSocket;
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('OpenSockets', () => {
  const logger = { error: jest.fn() };
  const sockets = (registry?: Registry) =>
    new OpenSockets<FakeConnection>({
      metrics: { name: 'things', noun: 'thing', registry },
      logger,
      describe: (connection) => `thing ${connection.name}`,
    });

  it('keeps and starts the connection of an accepted socket, until the socket closes', async () => {
    const open = sockets();
    const ws = socket();
    const connection = new FakeConnection('a');
    open.open(ws, connection);
    expect(connection.started).toBe(true);
    expect(open.of(ws)).toBe(connection);
    expect([...open]).toEqual([connection]);
    open.closed(ws, 1000);
    expect(connection.stopped).toBe(true);
    expect(open.size).toBe(0);
    expect(() => open.of(ws)).toThrow('a frame of a socket the gateway never saw');
    open.closed(ws, 1000); // a second close event: nothing to stop
  });

  it('closes a socket whose start failed with 1011, and logs which', async () => {
    const open = sockets();
    const connection = new FakeConnection('b', true);
    open.open(socket(), connection);
    await settled();
    expect(connection.closes).toEqual([[1011, 'internal error']]);
    expect(logger.error).toHaveBeenCalledWith('thing b could not start: Error: database away');
  });

  it('closes a socket at once, unstarted, when a subclass says it must', () => {
    class Vetoing extends OpenSockets<FakeConnection> {
      protected override closeAtOnce(connection: FakeConnection): SocketClose | undefined {
        return connection.name === 'vetoed' ? { code: 1008, reason: 'no' } : undefined;
      }
    }
    const open = new Vetoing({
      metrics: { name: 'things', noun: 'thing' },
      logger,
      describe: () => 'thing',
    });
    const ws = socket();
    const vetoed = new FakeConnection('vetoed');
    open.open(ws, vetoed);
    expect(vetoed.closes).toEqual([[1008, 'no']]);
    expect(vetoed.started).toBe(false);
    // Kept until its close event, like any other.
    expect(open.of(ws)).toBe(vetoed);
  });

  it('counts open sockets, refused handshakes by status and closes by code', async () => {
    const registry = new Registry();
    const open = sockets(registry);
    const [ws1, ws2] = [socket(), socket()];
    open.open(ws1, new FakeConnection('a'));
    open.open(ws2, new FakeConnection('b'));
    open.closed(ws1, 1008);
    open.refused(401);
    open.refused(401);
    const text = await registry.metrics();
    expect(text).toContain('# HELP ajla_things_connections Open thing WebSockets on this replica');
    expect(text).toMatch(/^ajla_things_connections 1$/m);
    expect(text).toContain('# HELP ajla_things_handshakes_refused_total Thing WebSocket');
    expect(text).toMatch(/^ajla_things_handshakes_refused_total\{status="401"\} 2$/m);
    expect(text).toMatch(/^ajla_things_disconnections_total\{code="1008"\} 1$/m);
  });

  it('works without a registry (no metrics)', () => {
    const open = sockets();
    open.refused(401);
    const ws = socket();
    open.open(ws, new FakeConnection('a'));
    open.closed(ws, 1000);
    expect(open.size).toBe(0);
  });
});
