import Fastify from 'fastify';
import { installRequestContext } from './create-service-app';

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
