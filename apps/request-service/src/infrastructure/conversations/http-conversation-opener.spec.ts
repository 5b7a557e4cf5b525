import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newId } from '@ajla/shared-kernel';
import type { ConversationOpening } from '../../application/ports/conversation-opener.port';
import { HttpConversationOpener } from './http-conversation-opener';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: any;
}

describe('HttpConversationOpener', () => {
  let server: Server;
  let url: string;
  let answer: (received: Received) => { status: number; delayMs?: number };
  const received: Received[] = [];
  const openers: HttpConversationOpener[] = [];
  const openerOf = (target: ConstructorParameters<typeof HttpConversationOpener>[0]) => {
    const opener = new HttpConversationOpener(target);
    openers.push(opener);
    return opener;
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => {
        const entry = {
          method: req.method!,
          url: req.url!,
          headers: req.headers,
          body: JSON.parse(text),
        };
        received.push(entry);
        const { status, delayMs = 0 } = answer(entry);
        setTimeout(
          () => res.writeHead(status, { 'content-type': 'application/json' }).end('{}'),
          delayMs,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    received.length = 0;
    answer = () => ({ status: 201 });
  });

  afterEach(async () => {
    await Promise.all(openers.splice(0).map((opener) => opener.onApplicationShutdown()));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const opening = (): ConversationOpening => ({
    conversationId: newId() as ConversationOpening['conversationId'],
    requestId: newId() as ConversationOpening['requestId'],
    userId: newId() as ConversationOpening['userId'],
    description: 'A table for two 🍽️',
    createdAt: new Date('2026-11-22T10:00:00.000Z'),
  });

  it('PUTs the conversation with the caller credentials', async () => {
    const opener = openerOf({ url, timeoutMs: 2000 });
    const o = opening();
    await opener.open(o, 'Bearer token-of-the-client');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      method: 'PUT',
      url: `/internal/conversations/${o.conversationId}`,
      headers: expect.objectContaining({ authorization: 'Bearer token-of-the-client' }),
      body: {
        request_id: o.requestId,
        user_id: o.userId,
        description: 'A table for two 🍽️',
        created_at: '2026-11-22T10:00:00.000Z',
      },
    });
  });

  it('resolves when conversation-service refuses, is slow or is unreachable', async () => {
    answer = () => ({ status: 500 });
    await expect(
      openerOf({ url, timeoutMs: 2000 }).open(opening(), undefined),
    ).resolves.toBeUndefined();

    answer = () => ({ status: 201, delayMs: 1000 });
    const started = Date.now();
    await openerOf({ url, timeoutMs: 150 }).open(opening(), undefined);
    expect(Date.now() - started).toBeLessThan(900);

    await expect(
      openerOf({ url: 'http://127.0.0.1:1', timeoutMs: 500 }).open(opening(), undefined),
    ).resolves.toBeUndefined();
  });

  it('keeps its connection alive between calls, and keeps the path of its base URL', async () => {
    const opener = openerOf({ url: `${url}/prefix`, timeoutMs: 2000 });
    let connections = 0;
    const onConnection = () => (connections += 1);
    server.on('connection', onConnection);
    try {
      const first = opening();
      await opener.open(first, undefined);
      expect(received.map((r) => r.url)).toEqual([
        `/prefix/internal/conversations/${first.conversationId}`,
      ]);
      // undici may open a second connection while the first is being released; then no more.
      await opener.open(opening(), undefined);
      const warm = connections;
      for (let i = 0; i < 5; i++) await opener.open(opening(), undefined);
      expect(received).toHaveLength(7);
      expect(warm).toBeLessThanOrEqual(2);
      expect(connections).toBe(warm);
    } finally {
      server.off('connection', onConnection);
    }
  });

  it('makes no call when disabled', async () => {
    await openerOf({ url: undefined, timeoutMs: 2000 }).open(opening(), 'x');
    expect(received).toHaveLength(0);
  });
});
