import net, { type AddressInfo } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 between a browser and a gateway, which a test can cut: `sever()`
 * destroys every open connection (the browser sees its sockets drop, as on a real network drop),
 * `refuse()` resets every new one at once until `restore()`, `silence()` stops passing bytes on
 * the open connections without closing them (a link gone quiet: no close ever comes; `restore()`
 * then drops them, as what was sent meanwhile is lost), and `retarget()` sends the next
 * connections to another port (a gateway restarted elsewhere). The browser's origin is the
 * proxy's, which stays the same through all of it.
 */
export class TcpProxy {
  /** Connections accepted and forwarded since the start. */
  forwarded = 0;
  /** Connections reset on arrival while refusing. */
  refused = 0;
  private refusing = false;
  /** Which way bytes stop (none: everything passes). */
  private silent: { up: boolean; down: boolean } = { up: false, down: false };
  private readonly open = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    private targetPort: number,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server, targetPort);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return proxy;
  }

  /** `http://127.0.0.1:<port>`: the browser's base URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Connections open now (each side counted). */
  get openSockets(): number {
    return this.open.size;
  }

  /** Destroys every open connection, both sides. */
  sever(): void {
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }

  /** From now on, new connections are reset on arrival (until `restore`). */
  refuse(): void {
    this.refusing = true;
  }

  /**
   * Open connections pass nothing more (`both` ways, or only `downstream`: what the browser sends
   * still arrives, the answers are lost) and stay open; new ones are refused.
   */
  silence(direction: 'both' | 'downstream' = 'both'): void {
    this.silent = { up: direction === 'both', down: true };
    this.refusing = true;
  }

  restore(): void {
    if (this.isSilent) this.sever(); // what is left of the silent connections
    this.silent = { up: false, down: false };
    this.refusing = false;
  }

  private get isSilent(): boolean {
    return this.silent.up || this.silent.down;
  }

  retarget(port: number): void {
    this.targetPort = port;
  }

  async close(): Promise<void> {
    this.sever();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.refusing) {
      this.refused += 1;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    this.forwarded += 1;
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    for (const [socket, other, way] of [
      [client, upstream, 'up'],
      [upstream, client, 'down'],
    ] as const) {
      this.open.add(socket);
      socket.setNoDelay(true);
      // A side that fails or ends takes the other with it: nothing is left half-open. Unless the
      // link is silent: then the other side hears nothing of it (until `restore` drops it).
      socket.on('error', () => this.isSilent || other.destroy());
      socket.on('close', () => {
        this.open.delete(socket);
        if (!this.isSilent) other.destroy();
      });
      socket.on('data', (chunk: Buffer) => this.silent[way] || other.write(chunk));
      socket.on('end', () => this.isSilent || other.end());
    }
  }
}
