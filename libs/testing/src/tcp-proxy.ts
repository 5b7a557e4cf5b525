import net from 'node:net';

/**
 * A TCP proxy in front of a local server (RabbitMQ, Redis, a service), for the connections under
 * test only (the machine's server keeps running for everyone else): `cut()` drops every
 * connection through it and refuses new ones, as an outage would; `restore()` lets connections
 * through again; `hold(direction)` stops passing bytes one way (or both) on every connection,
 * present and future, as a link that has gone silent: what is sent meanwhile is never delivered.
 */
export interface TcpProxy {
  /** `targetUrl` with the proxy's host and port. */
  readonly url: string;
  cut(): void;
  restore(): void;
  /** `upstream`: from the clients to the server; `downstream`: the answers back. */
  hold(direction: 'upstream' | 'downstream' | 'both'): void;
  close(): Promise<void>;
}

export async function tcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || defaultPort(target.protocol));
  const sockets = new Set<net.Socket>();
  let down = false;
  const held = { upstream: false, downstream: false };
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => {
      if (!held.upstream) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!held.downstream) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);
  return {
    url: url.toString(),
    cut() {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      down = false;
    },
    hold(direction) {
      if (direction !== 'downstream') held.upstream = true;
      if (direction !== 'upstream') held.downstream = true;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function defaultPort(protocol: string): number {
  const ports: Record<string, number> = {
    'amqp:': 5672,
    'redis:': 6379,
    'postgres:': 5432,
    'postgresql:': 5432,
    'http:': 80,
    'ws:': 80,
  };
  const port = ports[protocol];
  if (port === undefined) throw new Error(`tcpProxy: give a port for ${protocol} URLs`);
  return port;
}
