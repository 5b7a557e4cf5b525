import net from 'node:net';
import Fastify from 'fastify';
import { installRequestContext, waitForConnectionsToEnd } from './create-service-app';

describe('a draining service', () => {
  it('still answers what reaches it, and closes each connection after the answer', async () => {
    const fastify = Fastify();
    const drain = installRequestContext(fastify);
    fastify.get('/things', async () => ({ ok: true }));
    fastify.post('/things', async () => ({ created: true }));
    const url = `${await fastify.listen({ port: 0, host: '127.0.0.1' })}/things`;
    try {
      const before = await fetch(url);
      expect(before.status).toBe(200);
      expect(before.headers.get('connection')).not.toBe('close');

      drain();
      // A load balancer may still send to it (it has not seen readiness go false yet), and a
      // request may come on a kept-alive connection: refusing it would fail a write that no
      // proxy can replay.
      const read = await fetch(url);
      expect(read.status).toBe(200);
      expect(await read.json()).toEqual({ ok: true });
      expect(read.headers.get('connection')).toBe('close');
      const write = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(write.status).toBe(200);
      expect(await write.json()).toEqual({ created: true });
      expect(write.headers.get('connection')).toBe('close');
    } finally {
      await fastify.close();
    }
  });
});

describe('waitForConnectionsToEnd', () => {
  it('waits for the clients to close their connections, up to a limit', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const connect = () =>
      new Promise<net.Socket>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
      });
    try {
      const idle = await connect();
      let ended = false;
      const waiting = waitForConnectionsToEnd(server, 60_000).then(() => {
        ended = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(ended).toBe(false); // the client has not closed it yet
      idle.end();
      await waiting;

      // A client that never closes holds it only until the limit.
      const stubborn = await connect();
      await waitForConnectionsToEnd(server, 200);
      stubborn.destroy();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
