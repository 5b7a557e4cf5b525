import { api, newClient, newStaff, type Account } from '../support/api';
import { ChatSocket } from '../support/chat';
import type { ServiceProcess } from '@ajla/testing';
import { startReplica } from '../support/replica';
import { submitRequest } from '../support/requests';

/**
 * Replica A is the platform's conversation-service, behind the gateway on :8000; replica B is a
 * second process on the same database, broker and Redis, reached directly.
 */
describe('several conversation-service replicas act as one', () => {
  let client: Account;
  let agent: Account;
  let replicaB: ServiceProcess;
  beforeAll(async () => {
    [client, agent] = await Promise.all([newClient(), newStaff('agent')]);
    replicaB = await startReplica('b');
  });
  afterAll(async () => {
    await replicaB?.kill('SIGTERM');
  });

  async function history(conversationId: string): Promise<any[]> {
    const messages: any[] = [];
    for (let after = 0; ;) {
      const res = await api(
        'GET',
        `/api/v1/conversations/${conversationId}?after_seq=${after}&limit=200`,
        {
          token: client.tokens.access_token,
        },
      );
      messages.push(...res.body.messages);
      if (!res.body.has_more) return messages;
      after = messages[messages.length - 1].seq;
    }
  }

  it('gives every socket on both replicas and the history the same gap-free order under concurrent sends', async () => {
    const request = await submitRequest(client);
    const id = request.conversation_id;
    const clientOnA = await ChatSocket.open(id, client.tokens.access_token);
    const agentOnB = await ChatSocket.open(id, agent.tokens.access_token, {
      baseUrl: replicaB.url,
    });
    const watcherOnB = await ChatSocket.open(id, client.tokens.access_token, {
      baseUrl: replicaB.url,
    });

    const perSide = 150;
    for (let i = 0; i < perSide; i++) {
      clientOnA.say(`client ${i}`);
      agentOnB.say(`agent ${i}`);
    }
    const last = 1 + 2 * perSide;
    for (const socket of [clientOnA, agentOnB, watcherOnB]) await socket.waitForSeq(last, 30_000);

    const expected = Array.from({ length: 2 * perSide }, (_, i) => i + 2);
    const stored = await history(id);
    expect(stored.map((m) => m.seq)).toEqual([1, ...expected]);
    for (const socket of [clientOnA, agentOnB, watcherOnB]) {
      expect(socket.seqs()).toEqual(expected);
      expect(socket.messages().map((m) => m.id)).toEqual(stored.slice(1).map((m) => m.id));
    }
    for (const socket of [clientOnA, agentOnB, watcherOnB]) socket.close();
  }, 60_000);

  it('loses no acknowledged message when a replica is killed with SIGKILL mid-conversation', async () => {
    const victim = await startReplica('victim');
    const request = await submitRequest(client);
    const id = request.conversation_id;
    const clientOnA = await ChatSocket.open(id, client.tokens.access_token);
    let agentSocket = await ChatSocket.open(id, agent.tokens.access_token, { baseUrl: victim.url });

    const sent: string[] = [];
    for (let i = 0; i < 40; i++) sent.push(agentSocket.say(`before kill ${i}`));
    await agentSocket.waitFor(
      () => agentSocket.frames.filter((f) => f.type === 'ack').length >= 20,
    );
    await victim.kill('SIGKILL');
    const acked = new Set(
      agentSocket.frames.filter((f) => f.type === 'ack').map((f) => f.client_id),
    );
    const lastSeen = Math.max(1, ...agentSocket.seqs());

    // The agent reconnects to the surviving replica with its last seq and resends what was not acked.
    agentSocket = await ChatSocket.open(id, agent.tokens.access_token, { afterSeq: lastSeen });
    const unacked = sent.filter((clientId) => !acked.has(clientId));
    for (const clientId of unacked)
      agentSocket.say(`before kill ${sent.indexOf(clientId)}`, clientId);
    await agentSocket.waitFor(
      () => agentSocket.frames.filter((f) => f.type === 'ack').length === unacked.length,
      15_000,
      'acks of the resent messages',
    );

    const stored = await history(id);
    const byClientId = new Map<string, number>();
    for (const m of stored)
      if (m.client_id) byClientId.set(m.client_id, (byClientId.get(m.client_id) ?? 0) + 1);
    for (const clientId of sent) expect(byClientId.get(clientId)).toBe(1);
    expect(stored.map((m) => m.seq)).toEqual(
      Array.from({ length: stored.length }, (_, i) => i + 1),
    );
    expect(stored).toHaveLength(1 + sent.length);

    // The client on the other replica saw every message once, in order, through the kill.
    await clientOnA.waitForSeq(stored.length, 15_000);
    expect(clientOnA.seqs()).toEqual(stored.slice(1).map((m) => m.seq));
    clientOnA.close();
    agentSocket.close();
  }, 60_000);

  it('closes its sockets with 1001 on SIGTERM, and the client resumes on another replica', async () => {
    const leaving = await startReplica('leaving');
    const request = await submitRequest(client);
    const socket = await ChatSocket.open(request.conversation_id, client.tokens.access_token, {
      baseUrl: leaving.url,
      afterSeq: 0,
    });
    await socket.waitForSeq(1);
    await api('POST', '/api/v1/messages', {
      token: agent.tokens.access_token,
      body: { conversation_id: request.conversation_id, content: 'before shutdown' },
    });
    await socket.waitForSeq(2);
    const closed = socket.waitForClose(15_000);
    await leaving.kill('SIGTERM');
    expect(await closed).toBe(1001);

    await api('POST', '/api/v1/messages', {
      token: agent.tokens.access_token,
      body: { conversation_id: request.conversation_id, content: 'while away' },
    });
    const resumed = await ChatSocket.open(request.conversation_id, client.tokens.access_token, {
      afterSeq: 2,
    });
    expect((await resumed.waitForSeq(3)).content).toBe('while away');
    expect(resumed.seqs()).toEqual([3]);
    resumed.close();
  }, 60_000);
});
