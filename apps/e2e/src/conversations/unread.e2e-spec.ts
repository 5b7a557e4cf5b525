import { randomUUID } from 'node:crypto';
import { api, expectErrorBody, newClient, newStaff, type Account } from '../support/api';
import { ChatSocket } from '../support/chat';
import { submitRequest } from '../support/requests';

/** `GET /api/v1/conversations/unread` through :8000: the staff queue's unread badges. */
describe('unread counts (GET /api/v1/conversations/unread) through :8000', () => {
  let client: Account;
  let agent: Account;
  let stranger: Account;
  const sockets: ChatSocket[] = [];
  beforeAll(async () => {
    [client, agent, stranger] = await Promise.all([newClient(), newStaff('agent'), newClient()]);
  });
  afterEach(() => sockets.splice(0).forEach((socket) => socket.close()));

  const unread = (as: Account | undefined, ids: string) =>
    api('GET', `/api/v1/conversations/unread?ids=${ids}`, {
      ...(as ? { token: as.tokens.access_token } : {}),
    });
  const post = async (as: Account, conversationId: string, content: string) => {
    const res = await api('POST', '/api/v1/messages', {
      token: as.tokens.access_token,
      body: { conversation_id: conversationId, content },
    });
    expect(res.status).toBe(201);
  };
  const read = async (as: Account, conversationId: string, seq: number) => {
    const socket = await ChatSocket.open(conversationId, as.tokens.access_token);
    sockets.push(socket);
    socket.send({ type: 'read', seq });
    await socket.waitForFrame('read', (f) => f.user_id === as.id && f.seq === seq, 20_000);
  };

  it("counts others' messages above the reader's mark, for many conversations at once", async () => {
    const [first, second] = await Promise.all([
      submitRequest(client, { type: 'dining', description: 'A table for two' }),
      submitRequest(client, { type: 'travel', description: 'Two seats to Petra 🏜️' }),
    ]);
    const a = first.conversation_id;
    const b = second.conversation_id;
    await post(client, a, 'Could it be 9 pm? مرحبا');
    await post(agent, a, 'Checking now.');
    await post(client, a, 'Thanks!');

    const ids = `${a},${b},${randomUUID()}`;
    const forAgent = await unread(agent, ids);
    expect(forAgent.status).toBe(200);
    expect(forAgent.body).toEqual({
      items: [
        // 1, 2 and 4 are the client's; 3 is the agent's own and never unread.
        { conversation_id: a, unread: 3, last_seq: 4, read_seq: 0 },
        { conversation_id: b, unread: 1, last_seq: 1, read_seq: 0 },
      ],
    });

    // Reading moves the mark: the count goes away, and comes back with the next message.
    await read(agent, a, 4);
    expect((await unread(agent, ids)).body.items[0]).toEqual({
      conversation_id: a,
      unread: 0,
      last_seq: 4,
      read_seq: 4,
    });
    await post(client, a, 'One more thing');
    expect((await unread(agent, a)).body.items).toEqual([
      { conversation_id: a, unread: 1, last_seq: 5, read_seq: 4 },
    ]);

    // The client counts the staff reply only; a stranger gets nothing, as for unknown ids.
    expect((await unread(client, ids)).body.items).toEqual([
      { conversation_id: a, unread: 1, last_seq: 5, read_seq: 0 },
      { conversation_id: b, unread: 0, last_seq: 1, read_seq: 0 },
    ]);
    expect(await unread(stranger, ids)).toMatchObject({ status: 200, body: { items: [] } });
  });

  it('refuses malformed, empty or too many ids with 400 {detail}; 401 without a token', async () => {
    const many = Array.from({ length: 101 }, () => randomUUID()).join(',');
    for (const ids of ['', 'nope', `${randomUUID()},`, `${randomUUID()},,x`, many]) {
      const res = await unread(agent, ids);
      expect({ ids: ids.slice(0, 60), status: res.status }).toEqual({
        ids: ids.slice(0, 60),
        status: 400,
      });
      expectErrorBody(res);
    }
    const missing = await api('GET', '/api/v1/conversations/unread', {
      token: agent.tokens.access_token,
    });
    expect(missing.status).toBe(400);
    expectErrorBody(missing);
    const hundred = Array.from({ length: 100 }, () => randomUUID()).join(',');
    expect((await unread(agent, hundred)).status).toBe(200);
    expect((await unread(undefined, randomUUID())).status).toBe(401);
  });
});
