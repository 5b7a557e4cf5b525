import net, { type AddressInfo } from 'node:net';

/**
 * A TCP load balancer on 127.0.0.1 in front of several replicas of one service, as a Kubernetes
 * Service is in front of its pods: each new connection goes to the next replica in turn, and a
 * replica that refuses the connection (it stopped listening) is skipped for the next one, as a
 * balancer that health-checks its backends does, and `remove` takes one out of the rotation. Bytes pass untouched, so whatever a replica does
 * to its connections (keep-alive, `Connection: close`, a WebSocket's 1001) reaches the gateway
 * as it is.
 */
export class RoundRobinProxy {
  /** Connections each replica accepted, by its port. */
  readonly accepted = new Map<number, number>();
  private next = 0;
  private readonly removed = new Set<number>();
  private readonly open = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    private readonly ports: readonly number[],
  ) {
    server.on('connection', (client) => this.accept(client, 0));
  }

  static async start(ports: readonly number[]): Promise<RoundRobinProxy> {
    const proxy = new RoundRobinProxy(net.createServer(), ports);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', resolve);
    });
    return proxy;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /**
   * Sends no more new connections to the replica on `port`; open ones stay. What a Kubernetes
   * Service does when a pod starts terminating: its endpoint leaves the Service while the pod's
   * pre-stop pause runs, before the pod gets SIGTERM, and the connections the gateway holds to
   * it live on (the replica must finish them).
   */
  remove(port: number): void {
    this.removed.add(port);
  }

  async close(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, tried: number): void {
    const inRotation = this.ports.filter((p) => !this.removed.has(p));
    const ports = inRotation.length > 0 ? inRotation : this.ports;
    const port = ports[this.next++ % ports.length]!;
    client.pause(); // nothing is read before a replica took the connection
    if (tried === 0) client.on('error', () => undefined);
    const upstream = net.connect(port, '127.0.0.1');
    upstream.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' && tried + 1 < ports.length && !client.destroyed) {
        this.accept(client, tried + 1);
      } else {
        client.destroy();
      }
    });
    upstream.once('connect', () => {
      this.accepted.set(port, (this.accepted.get(port) ?? 0) + 1);
      upstream.removeAllListeners('error');
      for (const [socket, other] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.open.add(socket);
        socket.setNoDelay(true);
        socket.on('error', () => other.destroy());
        // A side that ends ends the other once what it sent is through; one that fails takes the
        // other with it.
        socket.on('close', (hadError) => {
          this.open.delete(socket);
          if (hadError) other.destroy();
          else other.end();
        });
        socket.pipe(other, { end: true });
      }
      client.resume();
    });
  }
}
