import { randomUUID } from 'node:crypto';
import {
  api,
  expectErrorBody,
  ISO_UTC,
  newClient,
  newStaff,
  UUID,
  type Account,
} from '../support/api';
import { ChatSocket, refusalStatus } from '../support/chat';
import { submitRequest } from '../support/requests';

describe('conversations (API.md "Conversations and messages") through :8000', () => {
  let client: Account;
  let agent: Account;
  let stranger: Account;
  beforeAll(async () => {
    [client, agent, stranger] = await Promise.all([newClient(), newStaff('agent'), newClient()]);
  });

  describe('usable the moment POST /api/v1/requests answered 201', () => {
    it('reads, posts to and connects to the new conversation at once, every time', async () => {
      for (let i = 0; i < 15; i++) {
        const description = `Opening ${i}: a yacht for Saturday 🛥️`;
        const request = await submitRequest(client, { type: 'events', description });
        const token = client.tokens.access_token;

        const read = await api('GET', `/api/v1/conversations/${request.conversation_id}`, {
          token,
        });
        expect(read.status).toBe(200);
        expect(read.body).toMatchObject({
          id: request.conversation_id,
          request_id: request.id,
          user_id: client.id,
          has_more: false,
        });
        expect(read.body.messages).toHaveLength(1);
        expect(read.body.messages[0]).toMatchObject({
          seq: 1,
          sender_id: client.id,
          sender_type: 'user',
          content: description,
        });

        const socket = await ChatSocket.open(request.conversation_id, token);
        const posted = await api('POST', '/api/v1/messages', {
          token,
          body: { conversation_id: request.conversation_id, content: `follow-up ${i}` },
        });
        expect(posted.status).toBe(201);
        expect(posted.body.seq).toBe(2);
        await socket.waitForSeq(2);
        socket.close();
      }
    });
  });

  describe('a client and an agent chatting', () => {
    it('persists, acks and delivers every message to both sides in seq order', async () => {
      const request = await submitRequest(client, {
        type: 'dining',
        description: 'Table for four',
      });
      const mine = await ChatSocket.open(request.conversation_id, client.tokens.access_token);
      const theirs = await ChatSocket.open(request.conversation_id, agent.tokens.access_token, {
        subprotocol: true,
      });

      const clientId = mine.say('Hello, is 8pm possible? مرحبا');
      const ack = await mine.waitForFrame('ack', (f) => f.client_id === clientId);
      expect(ack.message).toEqual({
        id: expect.stringMatching(UUID),
        conversation_id: request.conversation_id,
        seq: 2,
        sender_id: client.id,
        sender_type: 'user',
        content: 'Hello, is 8pm possible? مرحبا',
        client_id: clientId,
        created_at: expect.stringMatching(ISO_UTC),
      });
      await theirs.waitForSeq(2);
      await mine.waitForSeq(2);

      theirs.say('Yes, booked for 8pm.');
      const reply = await mine.waitForSeq(3);
      expect(reply).toMatchObject({
        sender_id: agent.id,
        sender_type: 'admin',
        content: 'Yes, booked for 8pm.',
      });

      theirs.send({ type: 'typing', is_typing: true });
      const typing = await mine.waitForFrame('typing');
      expect(typing).toEqual({ type: 'typing', user_id: agent.id, is_typing: true });
      await new Promise((r) => setTimeout(r, 200));
      expect(theirs.frames.some((f) => f.type === 'typing')).toBe(false);

      mine.send({ type: 'read', seq: 3 });
      const read = await theirs.waitForFrame('read', (f) => f.user_id === client.id);
      expect(read).toEqual({ type: 'read', user_id: client.id, seq: 3 });

      mine.send({ type: 'ping' });
      await mine.waitForFrame('pong');

      const history = await api('GET', `/api/v1/conversations/${request.conversation_id}`, {
        token: agent.tokens.access_token,
      });
      expect(history.body.messages.map((m: any) => m.seq)).toEqual([1, 2, 3]);
      expect(mine.seqs()).toEqual([2, 3]);
      expect(theirs.seqs()).toEqual([2, 3]);
      mine.close();
      theirs.close();
    });

    it('treats a resent client_id as the same message (WebSocket and HTTP)', async () => {
      const request = await submitRequest(client);
      const socket = await ChatSocket.open(request.conversation_id, client.tokens.access_token);
      const clientId = randomUUID();
      socket.say('only once', clientId);
      socket.say('only once', clientId);
      const first = await socket.waitForFrame('ack');
      await socket.waitFor(() => socket.frames.filter((f) => f.type === 'ack').length === 2);
      const acks = socket.frames.filter((f) => f.type === 'ack');
      expect(acks[1].message).toEqual(first.message);

      const again = await api('POST', '/api/v1/messages', {
        token: client.tokens.access_token,
        body: {
          conversation_id: request.conversation_id,
          content: 'only once',
          client_id: clientId,
        },
      });
      expect([200, 201]).toContain(again.status);
      expect(again.body).toEqual(first.message);
      const history = await api('GET', `/api/v1/conversations/${request.conversation_id}`, {
        token: client.tokens.access_token,
      });
      expect(history.body.messages).toHaveLength(2);
      socket.close();
    });
  });

  describe('access', () => {
    it('answers 404 to another client, over HTTP and at the handshake', async () => {
      const request = await submitRequest(client);
      const read = await api('GET', `/api/v1/conversations/${request.conversation_id}`, {
        token: stranger.tokens.access_token,
      });
      expect(read.status).toBe(404);
      expectErrorBody(read);
      const post = await api('POST', '/api/v1/messages', {
        token: stranger.tokens.access_token,
        body: { conversation_id: request.conversation_id, content: 'hi' },
      });
      expect(post.status).toBe(404);
      expect(
        await refusalStatus(ChatSocket.open(request.conversation_id, stranger.tokens.access_token)),
      ).toBe(404);
      expect(await refusalStatus(ChatSocket.open(randomUUID(), client.tokens.access_token))).toBe(
        404,
      );
    });

    it('refuses a missing or bad token with 401 at the handshake', async () => {
      const request = await submitRequest(client);
      expect(await refusalStatus(ChatSocket.open(request.conversation_id, ''))).toBe(401);
      expect(await refusalStatus(ChatSocket.open(request.conversation_id, 'not.a.token'))).toBe(
        401,
      );
      expect(
        await refusalStatus(ChatSocket.open(request.conversation_id, client.tokens.refresh_token)),
      ).toBe(401);
    });
  });

  describe('history over HTTP', () => {
    it('pages by after_seq and limit, with has_more', async () => {
      const request = await submitRequest(client);
      for (let i = 0; i < 6; i++) {
        await api('POST', '/api/v1/messages', {
          token: i % 2 ? agent.tokens.access_token : client.tokens.access_token,
          body: { conversation_id: request.conversation_id, content: `m${i}` },
        });
      }
      const page = await api(
        'GET',
        `/api/v1/conversations/${request.conversation_id}?after_seq=2&limit=3`,
        {
          token: client.tokens.access_token,
        },
      );
      expect(page.status).toBe(200);
      expect(page.body.messages.map((m: any) => m.seq)).toEqual([3, 4, 5]);
      expect(page.body.has_more).toBe(true);
      const rest = await api(
        'GET',
        `/api/v1/conversations/${request.conversation_id}?after_seq=5&limit=3`,
        {
          token: client.tokens.access_token,
        },
      );
      expect(rest.body.messages.map((m: any) => m.seq)).toEqual([6, 7]);
      expect(rest.body.has_more).toBe(false);
    });

    it('pages backward from the newest message (latest=true, then before_seq), ascending', async () => {
      const request = await submitRequest(client);
      const url = `/api/v1/conversations/${request.conversation_id}`;
      for (let i = 2; i <= 130; i++) {
        const posted = await api('POST', '/api/v1/messages', {
          token: i % 3 ? client.tokens.access_token : agent.tokens.access_token,
          body: { conversation_id: request.conversation_id, content: `m${i} مرحبا 🌙` },
        });
        expect(posted.status).toBe(201);
      }
      const seen: number[] = [];
      let page = await api('GET', `${url}?latest=true&limit=50`, {
        token: agent.tokens.access_token,
      });
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ id: request.conversation_id, last_seq: 130 });
      expect(page.body.messages.map((m: any) => m.seq)).toEqual(
        Array.from({ length: 50 }, (_, i) => 81 + i),
      );
      for (;;) {
        seen.unshift(...page.body.messages.map((m: any) => m.seq));
        if (!page.body.has_more) break;
        page = await api('GET', `${url}?before_seq=${page.body.messages[0].seq}&limit=50`, {
          token: client.tokens.access_token,
        });
        expect(page.status).toBe(200);
        expect(page.body.last_seq).toBe(130);
      }
      // Every message once, in order, in three pages.
      expect(seen).toEqual(Array.from({ length: 130 }, (_, i) => i + 1));
      expect(page.body.messages[0].content).toBe('A table for two at 8pm');

      // Resuming the socket from the newest seq a page gave: only what came after.
      const socket = await ChatSocket.open(request.conversation_id, client.tokens.access_token, {
        afterSeq: 130,
      });
      await api('POST', '/api/v1/messages', {
        token: agent.tokens.access_token,
        body: { conversation_id: request.conversation_id, content: 'after the page' },
      });
      await socket.waitForSeq(131);
      expect(socket.messages().map((m: any) => m.seq)).toEqual([131]);
      socket.close();

      const stranger404 = await api('GET', `${url}?latest=true`, {
        token: stranger.tokens.access_token,
      });
      expect(stranger404.status).toBe(404);
      expectErrorBody(stranger404);
    });

    it.each([
      ['limit=0'],
      ['limit=201'],
      ['after_seq=-1'],
      ['after_seq=abc'],
      ['before_seq=0'],
      ['before_seq=abc'],
      ['latest=yes'],
      ['after_seq=1&before_seq=5'],
      ['after_seq=0&latest=true'],
      ['before_seq=5&latest=true'],
    ])('answers 400 for %s', async (query) => {
      const request = await submitRequest(client);
      const res = await api('GET', `/api/v1/conversations/${request.conversation_id}?${query}`, {
        token: client.tokens.access_token,
      });
      expect(res.status).toBe(400);
      expectErrorBody(res);
    });

    it.each([
      ['empty content', { content: '' }],
      ['blank content', { content: '   ' }],
      ['content over 4000 characters', { content: 'x'.repeat(4001) }],
      ['a malformed client_id', { content: 'x', client_id: 'abc' }],
      ['an unknown field', { content: 'x', urgent: true }],
    ])('answers 400 to POST /messages with %s', async (_c, extra) => {
      const request = await submitRequest(client);
      const res = await api('POST', '/api/v1/messages', {
        token: client.tokens.access_token,
        body: { conversation_id: request.conversation_id, ...extra },
      });
      expect(res.status).toBe(400);
      expectErrorBody(res);
    });
  });

  describe('bad frames and abuse', () => {
    it('answers bad frames with an error frame and keeps the socket open', async () => {
      const request = await submitRequest(client);
      const socket = await ChatSocket.open(request.conversation_id, client.tokens.access_token);
      const bad: (object | string)[] = [
        'not json',
        '[1,2]',
        { type: 'dance' },
        { type: 'message.send' },
        { type: 'message.send', content: '', client_id: randomUUID() },
        { type: 'message.send', content: 'x'.repeat(4001), client_id: randomUUID() },
        { type: 'message.send', content: 'hi', client_id: 'nope' },
        { type: 'read', seq: 'x' },
        { type: 'typing' },
      ];
      for (const frame of bad) socket.send(frame);
      await socket.waitFor(
        () => socket.frames.filter((f) => f.type === 'error').length === bad.length,
      );
      const errors = socket.frames.filter((f) => f.type === 'error');
      for (const error of errors) {
        expect(typeof error.code).toBe('string');
        expect(typeof error.detail).toBe('string');
      }
      // A refused message names its client_id, so the sender stops sending it.
      const refusedIds = bad
        .filter(
          (frame): frame is { client_id: string } =>
            typeof frame === 'object' && 'client_id' in frame,
        )
        .map((frame) => frame.client_id);
      expect(errors.map((error) => error.client_id).filter(Boolean)).toEqual(refusedIds);
      socket.say('still here');
      await socket.waitForSeq(2);
      expect(socket.closeCode).toBeUndefined();
      socket.close();
    });

    it('accepts a 16 KiB frame and closes an oversized one with 1009', async () => {
      const request = await submitRequest(client);
      const socket = await ChatSocket.open(request.conversation_id, client.tokens.access_token);
      socket.send({
        type: 'message.send',
        content: 'y'.repeat(4000),
        client_id: randomUUID(),
        pad: 'p'.repeat(11_000),
      });
      await socket.waitFor(() => socket.frames.length > 0);
      expect(socket.closeCode).toBeUndefined();
      socket.send('z'.repeat(2 * 1024 * 1024));
      expect(await socket.waitForClose()).toBe(1009);
    });

    it('closes a flooding connection with 1008 after the documented allowance', async () => {
      const request = await submitRequest(client);
      const socket = await ChatSocket.open(request.conversation_id, client.tokens.access_token);
      for (let i = 0; i < 200; i++) socket.send({ type: 'ping' });
      await socket.waitFor(() => socket.frames.filter((f) => f.type === 'pong').length === 200);
      expect(socket.closeCode).toBeUndefined();
      for (let i = 0; i < 2000 && socket.ws.readyState === socket.ws.OPEN; i++)
        socket.send({ type: 'ping' });
      expect(await socket.waitForClose()).toBe(1008);
    });
  });

  describe('resume', () => {
    it('gives a reconnecting client exactly what it missed while the other side kept sending', async () => {
      const request = await submitRequest(client);
      const agentSocket = await ChatSocket.open(request.conversation_id, agent.tokens.access_token);
      let clientSocket = await ChatSocket.open(
        request.conversation_id,
        client.tokens.access_token,
        { afterSeq: 0 },
      );
      await clientSocket.waitForSeq(1);

      let sent = 0;
      const sender = setInterval(() => {
        if (sent < 60) agentSocket.say(`update ${sent++}`);
      }, 10);
      await clientSocket.waitForSeq(10);
      const seen = clientSocket.seqs();
      clientSocket.close();
      await new Promise((r) => setTimeout(r, 150));
      const lastSeen = Math.max(...seen);
      clientSocket = await ChatSocket.open(request.conversation_id, client.tokens.access_token, {
        afterSeq: lastSeen,
      });
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (sent >= 60) {
            clearInterval(check);
            resolve();
          }
        }, 20);
      });
      clearInterval(sender);
      await clientSocket.waitForSeq(61);
      const resumed = clientSocket.seqs();
      const expected = Array.from({ length: 61 - lastSeen }, (_, i) => lastSeen + 1 + i);
      expect(resumed).toEqual(expected);
      agentSocket.close();
      clientSocket.close();
    });
  });
});
