import { newId } from '@ajla/shared-kernel';
import {
  call as callAt,
  ChatClient,
  openConversation,
  ServiceHarness,
  type Account,
  type Replica,
} from '../../../test/harness';

jest.setTimeout(60_000);

/** `GET /api/v1/conversations/unread` over real HTTP, marks moved over the WebSocket. */
describe('unread counts (GET /api/v1/conversations/unread)', () => {
  const harness = new ServiceHarness();
  let replica: Replica;
  let layla: Account; // a client
  let omar: Account; // another client
  let agent: Account;
  const sockets: ChatClient[] = [];

  const call = (...args: Parameters<typeof callAt> extends [string, ...infer R] ? R : never) =>
    callAt(replica.baseUrl, ...args);
  const unread = (as: Account | undefined, query: string) =>
    call('GET', `/api/v1/conversations/unread${query}`, as ? { as } : {});
  const post = async (as: Account, conversationId: string, content = 'hello') => {
    const res = await call('POST', '/api/v1/messages', {
      as,
      body: { conversation_id: conversationId, content },
    });
    expect(res.status).toBe(201);
  };

  beforeAll(async () => {
    await harness.setUp('unread');
    replica = await harness.startReplica();
    [layla, omar, agent] = await Promise.all([
      harness.account('user'),
      harness.account('user'),
      harness.account('agent'),
    ]);
  });

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
  });

  afterAll(async () => {
    await harness.tearDown();
  });

  it('counts what each reader has not read, and drops to zero once they read it', async () => {
    const { conversationId: mine } = await openConversation(replica.baseUrl, layla);
    const { conversationId: his } = await openConversation(replica.baseUrl, omar);
    await post(layla, mine);
    await post(agent, mine);
    await post(layla, mine);

    const ids = `?ids=${mine},${his.toUpperCase()},${newId()}`;
    const first = await unread(agent, ids);
    expect(first).toEqual({
      status: 200,
      body: {
        items: [
          // 1, 2 and 4 are the client's; 3 is the agent's own.
          { conversation_id: mine, unread: 3, last_seq: 4, read_seq: 0 },
          { conversation_id: his, unread: 1, last_seq: 1, read_seq: 0 },
        ],
      },
    });

    const socket = await ChatClient.connect(replica.wsUrl, mine, agent);
    sockets.push(socket);
    socket.send({ type: 'read', seq: 4 });
    await socket.until(() => socket.of('read')[0]);
    const after = await unread(agent, ids);
    expect(after.body.items[0]).toEqual({
      conversation_id: mine,
      unread: 0,
      last_seq: 4,
      read_seq: 4,
    });
    await post(layla, mine, 'one more thing');
    expect((await unread(agent, ids)).body.items[0]).toMatchObject({ unread: 1, last_seq: 5 });

    // A client: their own conversation only (the agent's reply is the one unread for them);
    // another's is left out exactly like an unknown id.
    expect((await unread(layla, ids)).body).toEqual({
      items: [{ conversation_id: mine, unread: 1, last_seq: 5, read_seq: 0 }],
    });
    expect((await unread(omar, `?ids=${mine}`)).body).toEqual({ items: [] });
  });

  it('refuses what is not 1..100 conversation ids with 400 {detail}, never 500', async () => {
    const many = Array.from({ length: 101 }, () => newId()).join(',');
    for (const query of [
      '',
      '?ids=',
      '?ids=nope',
      `?ids=${newId()},`,
      `?ids=${newId()},,${newId()}`,
      `?ids=${newId()}%20`,
      `?ids=${many}`,
      `?ids=${newId()}&ids=${newId()}`,
      `?ids=${newId()}&extra=1`,
      `?ids=${'x'.repeat(10_000)}`,
      '?ids=%00',
    ]) {
      const res = await unread(agent, query);
      expect({ query: query.slice(0, 80), status: res.status }).toEqual({
        query: query.slice(0, 80),
        status: 400,
      });
      expect(res.body).toEqual(expect.objectContaining({ detail: expect.any(String) }));
    }
    const hundred = Array.from({ length: 100 }, () => newId()).join(',');
    expect(await unread(agent, `?ids=${hundred}`)).toEqual({ status: 200, body: { items: [] } });
    expect((await unread(undefined, `?ids=${newId()}`)).status).toBe(401);
  });
});
