import { MessageContent, newId } from '@ajla/shared-kernel';
import {
  CONVERSATION_REPOSITORY,
  type ConversationRepository,
} from './domain/conversation/conversation.repository.port';
import { MESSAGE_LOG, type MessageLog } from './domain/conversation/message-log.port';
import type { ClientMessageId, ConversationId, UserId } from './domain/ids';
import {
  call,
  ChatClient,
  openConversation,
  ServiceHarness,
  type Account,
  type Replica,
} from '../test/harness';

jest.setTimeout(90_000);

/**
 * Two replicas of the service on one database, one Redis and one RabbitMQ, acting as one: clients
 * on each, everything sent anywhere reaching every socket in the same gap-free order.
 */
describe('conversation-service replicas', () => {
  const harness = new ServiceHarness();
  let a: Replica;
  let b: Replica;
  let layla: Account;
  let agent: Account;
  let admin: Account;
  const sockets: ChatClient[] = [];

  const connect = async (
    replica: Replica,
    conversationId: string,
    account: Account,
    afterSeq?: number,
  ) => {
    const socket = await ChatClient.connect(replica.wsUrl, conversationId, account, { afterSeq });
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    await harness.setUp('replicas');
    [a, b] = await Promise.all([harness.startReplica(), harness.startReplica()]);
    [layla, agent, admin] = await Promise.all([
      harness.account('user'),
      harness.account('agent'),
      harness.account('admin'),
    ]);
  });

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
  });

  afterAll(async () => {
    await harness.tearDown();
  });

  it('delivers a message sent on one replica to sockets on the other', async () => {
    const { conversationId } = await openConversation(a.baseUrl, layla);
    const onA = await connect(a, conversationId, layla);
    const onB = await connect(b, conversationId, agent);
    onB.send({ type: 'message.send', content: 'Hello from B', client_id: newId() });
    const [message] = await onA.untilMessages(1);
    expect(message).toMatchObject({ seq: 2, sender_type: 'admin', content: 'Hello from B' });
    onA.send({ type: 'typing', is_typing: true });
    await onB.until(() => onB.of('typing')[0]);
    onA.send({ type: 'read', seq: 2 });
    expect(await onB.until(() => onB.of('read')[0])).toEqual({
      type: 'read',
      user_id: layla.id,
      seq: 2,
    });
    // The HTTP fallback on B reaches A's socket too.
    await call(b.baseUrl, 'POST', '/api/v1/messages', {
      as: admin,
      body: { conversation_id: conversationId, content: 'via HTTP on B' },
    });
    await onA.untilMessages(2);
  });

  it('gives every socket and the history one gap-free order under hundreds of concurrent messages from both sides', async () => {
    const { conversationId } = await openConversation(a.baseUrl, layla);
    const clientA = await connect(a, conversationId, layla);
    const staffB = await connect(b, conversationId, agent);
    const watcherA = await connect(a, conversationId, admin);
    const watcherB = await connect(b, conversationId, layla);
    // Resuming midway on B while the storm goes on.
    const PER_SIDE = 150;
    const sendAll = (socket: ChatClient, who: string) => {
      for (let i = 0; i < PER_SIDE; i++) {
        socket.send({ type: 'message.send', content: `${who} ${i}`, client_id: newId() });
      }
    };
    // Within the burst allowance of 200 frames per connection.
    sendAll(clientA, 'client');
    sendAll(staffB, 'agent');
    const http = Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call(i % 2 ? a.baseUrl : b.baseUrl, 'POST', '/api/v1/messages', {
          as: i % 2 ? admin : layla,
          body: { conversation_id: conversationId, content: `http ${i}` },
        }),
      ),
    );
    const late = await connect(b, conversationId, agent, 0);
    expect((await http).every((r) => r.status === 201)).toBe(true);

    const total = 1 + 2 * PER_SIDE + 40;
    const expected = Array.from({ length: total - 1 }, (_, i) => i + 2);
    for (const socket of [clientA, staffB, watcherA, watcherB]) {
      const messages = await socket.untilMessages(total - 1, 30_000);
      expect(messages.map((m) => m.seq)).toEqual(expected);
    }
    const replayed = await late.untilMessages(total, 30_000);
    expect(replayed.map((m) => m.seq)).toEqual([1, ...expected]);
    expect(clientA.of('ack')).toHaveLength(PER_SIDE);
    expect(staffB.of('ack')).toHaveLength(PER_SIDE);

    const history: any[] = [];
    for (let after = 0; ;) {
      const page = await call(
        a.baseUrl,
        'GET',
        `/api/v1/conversations/${conversationId}?after_seq=${after}&limit=200`,
        { as: agent },
      );
      history.push(...page.body.messages);
      if (!page.body.has_more) break;
      after = page.body.messages.at(-1).seq;
    }
    expect(history.map((m) => m.seq)).toEqual([1, ...expected]);
    // Every socket saw exactly the stored messages.
    const byId = new Map(history.map((m) => [m.seq, m]));
    for (const socket of [clientA, staffB, watcherA, watcherB, late]) {
      for (const message of socket.messages) expect(message).toEqual(byId.get(message.seq));
    }
  });

  it('fans out a message stored but never told (its replica died in between) as soon as the sender resends it', async () => {
    const { conversationId } = await openConversation(a.baseUrl, layla);
    const sender = await connect(a, conversationId, layla);
    const watcher = await connect(b, conversationId, agent);
    // What a replica that died between the commit and the Redis publish leaves behind: the message
    // and its event stored, no socket told, no ack sent.
    const conversations = a.app.get<ConversationRepository>(CONVERSATION_REPOSITORY, {
      strict: false,
    });
    const conversation = (await conversations.findById(conversationId as ConversationId))!;
    const clientId = newId() as ClientMessageId;
    const messages = a.app.get<MessageLog>(MESSAGE_LOG, { strict: false });
    const stored = (await messages.append(
      conversation.compose(
        { id: layla.id as UserId, role: 'user' },
        MessageContent.create('Are you there?'),
        clientId,
        new Date(),
      ),
    ))!;

    // The sender never got its ack, so it sends the message again.
    sender.send({ type: 'message.send', content: 'Are you there?', client_id: clientId });
    const ack = await sender.until(() => sender.of('ack')[0]);
    expect(ack.message.seq).toBe(stored.seq);
    // Every other socket sees it now, not when a later message reveals the gap; each once.
    const [seen] = await watcher.untilMessages(1);
    expect(seen).toMatchObject({ seq: stored.seq, client_id: clientId });
    await sender.untilMessages(1);
    expect(sender.messages.filter((m) => m.seq === stored.seq)).toHaveLength(1);
  });

  it('closes its sockets with 1001 when a replica shuts down; clients resume on the other', async () => {
    const c = await harness.startReplica();
    const { conversationId } = await openConversation(a.baseUrl, layla);
    const onC = await connect(c, conversationId, layla);
    const other = await connect(a, conversationId, agent);
    other.send({ type: 'message.send', content: 'before', client_id: newId() });
    await onC.untilMessages(1);
    await harness.stopReplica(c);
    expect(await onC.whenClosed()).toBe(1001);
    other.send({ type: 'message.send', content: 'while away', client_id: newId() });
    await other.untilMessages(2);
    const resumed = await connect(b, conversationId, layla, onC.messages.at(-1).seq);
    const [missed] = await resumed.untilMessages(1);
    expect(missed).toMatchObject({ seq: 3, content: 'while away' });
  });
});
