// SIGTERM to one replica of request-, conversation- and notification-service while clients keep
// reading, writing and chatting through a gateway. Runs with the fault specs, one at a time, on the
// e2e platform (scripts/test.sh; needs `npm run build`).
import { randomUUID } from 'node:crypto';
import type { ServiceProcess } from '@ajla/testing';
import amqp from 'amqplib';
import { api, newClient, newStaff, type Account, type ApiResponse } from '../support/api';
import { ChatSocket } from '../support/chat';
import { portOf, startGateway } from '../support/gateway-process';
import { NotificationSocket } from '../support/notification-socket';
import { startServiceReplica } from '../support/replica';
import { RoundRobinProxy } from '../support/round-robin-proxy';
import { e2eState } from '../support/state';

jest.setTimeout(240_000);

const SERVICES = ['request-service', 'conversation-service', 'notification-service'] as const;
const envOf = (app: string) => `${app.replace(/-service$/, '').toUpperCase()}_SERVICE_URL`;

/** Messages waiting in each service's queue and dead-letter queue. */
async function queueDepths(): Promise<Record<string, number>> {
  const connection = await amqp.connect(e2eState().rabbitmqUrl);
  try {
    const channel = await connection.createChannel();
    const depths: Record<string, number> = {};
    for (const app of SERVICES) {
      for (const queue of [`${app}.events`, `${app}.events.dlq`]) {
        depths[queue] = (await channel.checkQueue(queue)).messageCount;
      }
    }
    return depths;
  } finally {
    await connection.close();
  }
}

async function until<T>(what: string, find: () => Promise<T | undefined> | T | undefined) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A chat client that keeps one conversation open: when its socket is closed with 1001 it
 * reconnects through the gateway with the last seq it saw, as API.md tells clients to.
 */
class ResumingChat {
  readonly sockets: ChatSocket[] = [];
  readonly closeCodes: number[] = [];
  /** Reconnections that failed. */
  readonly failures: string[] = [];
  private stopped = false;
  private resuming: Promise<void> = Promise.resolve();

  constructor(
    private readonly gateway: string,
    private readonly conversationId: string,
    private readonly token: string,
  ) {}

  async open(afterSeq = 0): Promise<void> {
    const socket = await ChatSocket.open(this.conversationId, this.token, {
      baseUrl: this.gateway,
      afterSeq,
    });
    this.sockets.push(socket);
    socket.ws.once('close', (code) => {
      if (this.stopped) return;
      this.closeCodes.push(code);
      this.resuming = this.open(this.seqs().at(-1) ?? 0).catch((error: unknown) => {
        this.failures.push(String(error));
      });
    });
  }

  /** Every seq received, over every socket, in order. */
  seqs(): number[] {
    return this.sockets.flatMap((socket) => socket.seqs());
  }

  /** Resolves once a reconnection under way is done. */
  settled(): Promise<void> {
    return this.resuming;
  }

  async close(): Promise<void> {
    await this.resuming;
    this.stopped = true;
    for (const socket of this.sockets) socket.close();
  }
}

/** The same for `/ws/notifications`, resuming with `after` = the last notification seen. */
class ResumingNotifications {
  readonly sockets: NotificationSocket[] = [];
  readonly closeCodes: number[] = [];
  /** Reconnections that failed. */
  readonly failures: string[] = [];
  private stopped = false;
  private resuming: Promise<void> = Promise.resolve();

  constructor(
    private readonly gateway: string,
    private readonly token: string,
  ) {}

  async open(after: string): Promise<void> {
    const socket = await NotificationSocket.open(this.token, { after, baseUrl: this.gateway });
    this.sockets.push(socket);
    socket.ws.once('close', (code) => {
      if (this.stopped) return;
      this.closeCodes.push(code);
      this.resuming = this.open(this.ids().at(-1) ?? after).catch((error: unknown) => {
        this.failures.push(String(error));
      });
    });
  }

  ids(): string[] {
    return this.sockets.flatMap((socket) => socket.notifications().map((n) => n.id as string));
  }

  /** Resolves once a reconnection under way is done. */
  settled(): Promise<void> {
    return this.resuming;
  }

  async close(): Promise<void> {
    await this.resuming;
    this.stopped = true;
    for (const socket of this.sockets) socket.close();
  }
}

describe('SIGTERM to one replica of each service under traffic', () => {
  const leaving: Partial<Record<(typeof SERVICES)[number], ServiceProcess>> = {};
  const proxies: RoundRobinProxy[] = [];
  let gateway: ServiceProcess;
  let clients: Account[];
  let agent: Account;
  let depthsBefore: Record<string, number>;

  beforeAll(async () => {
    depthsBefore = await queueDepths();
    [agent, ...clients] = await Promise.all([
      newStaff('agent'),
      newClient('Shutdown A'),
      newClient('Shutdown B'),
      newClient('Shutdown C'),
    ]);
    const overrides: Record<string, string> = {};
    for (const app of SERVICES) {
      // One at a time: the machine is small.
      const replica = await startServiceReplica(app, 'leaving');
      leaving[app] = replica;
      const proxy = await RoundRobinProxy.start([
        portOf(e2eState().serviceUrls[app]!),
        portOf(replica.url),
      ]);
      proxies.push(proxy);
      overrides[envOf(app)] = proxy.url;
    }
    gateway = await startGateway('shutdown', overrides);
  });

  afterAll(async () => {
    await gateway?.kill('SIGTERM');
    await Promise.all(Object.values(leaving).map((replica) => replica?.kill('SIGKILL')));
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  it('fails no request, moves every socket to the other replica, and handles every event once', async () => {
    const via = gateway.url;
    const failures: string[] = [];
    const call = async (method: string, path: string, who: Account, body?: unknown) => {
      let res: ApiResponse;
      try {
        res = await api(method, path, { baseUrl: via, token: who.tokens.access_token, body });
      } catch (error) {
        failures.push(`${method} ${path}: ${String((error as Error).cause ?? error)}`);
        return undefined;
      }
      if (res.status < 200 || res.status > 299) {
        failures.push(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
        return undefined;
      }
      return res.body;
    };

    // A notification the agent has before the sockets open: they resume from it.
    const first = await call('POST', '/api/v1/requests', clients[0]!, {
      type: 'dining',
      description: 'Before the sockets',
    });
    const baseline = await until('the agent’s first notification', async () => {
      const list = await call('GET', '/api/v1/notifications?page_size=100', agent);
      return list?.items.find((n: any) => n.data?.request_id === first.id)?.id as string;
    });

    // Chat: each client's conversation watched by several sockets, spread over both replicas.
    const conversations = await Promise.all(
      clients.map((client) =>
        call('POST', '/api/v1/requests', client, { type: 'travel', description: 'Chat here' }),
      ),
    );
    const chats: { chat: ResumingChat; conversationId: string; client: Account }[] = [];
    for (const [i, client] of clients.entries()) {
      for (let n = 0; n < 3; n++) {
        const chat = new ResumingChat(
          via,
          conversations[i].conversation_id,
          client.tokens.access_token,
        );
        await chat.open();
        chats.push({ chat, conversationId: conversations[i].conversation_id, client });
      }
    }
    const feeds: ResumingNotifications[] = [];
    for (let n = 0; n < 4; n++) {
      const feed = new ResumingNotifications(via, agent.tokens.access_token);
      await feed.open(baseline);
      feeds.push(feed);
    }

    // Steady traffic: each client submits, reads, writes a message and reads its conversation.
    const submitted: string[] = [first.id];
    const sent = new Map<string, number>(); // conversation → messages posted over HTTP
    let rounds = 0;
    let stopping = false;
    const worker = async (client: Account, conversationId: string) => {
      while (!stopping) {
        const request = await call('POST', '/api/v1/requests', client, {
          type: 'shopping',
          description: `Round ${rounds}`,
        });
        if (request) submitted.push(request.id);
        await call('GET', '/api/v1/requests?page_size=5', client);
        if (request) await call('GET', `/api/v1/requests/${request.id}`, client);
        const message = await call('POST', '/api/v1/messages', client, {
          conversation_id: conversationId,
          content: `Round ${rounds}`,
          client_id: randomUUID(),
        });
        if (message) sent.set(conversationId, (sent.get(conversationId) ?? 0) + 1);
        await call('GET', `/api/v1/conversations/${conversationId}?after_seq=0&limit=5`, client);
        await call('GET', '/api/v1/notifications?page_size=5', agent);
        rounds += 1;
      }
    };
    // Two at a time per client: more requests in flight when the replicas stop.
    const workers = clients.flatMap((client, i) => [
      worker(client, conversations[i].conversation_id),
      worker(client, conversations[i].conversation_id),
    ]);

    await until('traffic before the stop', () => (rounds >= 24 ? true : undefined));
    const exits = SERVICES.map(
      (app) => new Promise<number | null>((resolve) => leaving[app]!.process.once('exit', resolve)),
    );
    // As Kubernetes stops a pod: its endpoint leaves the Service (no new connections; those the
    // gateway holds stay), then the process gets SIGTERM.
    for (const [i, app] of SERVICES.entries()) proxies[i]!.remove(portOf(leaving[app]!.url));
    await Promise.all(SERVICES.map((app) => leaving[app]!.kill('SIGTERM')));
    const roundsAtStop = rounds;
    await until('traffic after the stop', () => (rounds >= roundsAtStop + 24 ? true : undefined));
    stopping = true;
    await Promise.all(workers);

    // Every request got its normal answer, and each replica stopped on its own, in time.
    expect(failures).toEqual([]);
    expect(await Promise.all(exits)).toEqual([0, 0, 0]);
    // Both replicas of each service took connections.
    for (const proxy of proxies) expect(proxy.accepted.size).toBe(2);

    // Chat: the sockets on the stopped replica were closed with 1001 (and only those, only
    // once); every socket, resumed, saw each message of its conversation once, in order.
    for (const { chat } of chats) await chat.settled();
    for (const feed of feeds) await feed.settled();
    expect(chats.flatMap(({ chat }) => chat.failures)).toEqual([]);
    expect(feeds.flatMap((feed) => feed.failures)).toEqual([]);
    const closeCodes = chats.flatMap(({ chat }) => chat.closeCodes);
    expect(closeCodes.length).toBeGreaterThan(0);
    expect(new Set(closeCodes)).toEqual(new Set([1001]));
    for (const { chat, conversationId, client } of chats) {
      const last = 1 + (sent.get(conversationId) ?? 0);
      await until(`seq ${last} on every socket of ${conversationId}`, () =>
        chat.seqs().at(-1) === last ? true : undefined,
      );
      expect(chat.seqs()).toEqual(Array.from({ length: last }, (_, i) => i + 1));
      const history = await call(
        'GET',
        `/api/v1/conversations/${conversationId}?after_seq=0&limit=200`,
        client,
      );
      expect(history.messages.map((m: any) => m.seq)).toEqual(chat.seqs());
    }

    // Notifications: the agent hears of every request exactly once (the consumer replica that
    // stopped acked what it handled and handled what it took), and every feed, resumed with
    // `after`, saw each of them once.
    const perRequest = await until('a notification of every request', async () => {
      const items: any[] = [];
      for (let page = 1; ; page++) {
        const list = await call('GET', `/api/v1/notifications?page=${page}&page_size=100`, agent);
        if (!list) return undefined;
        items.push(...list.items);
        if (items.length >= list.total || list.items.length === 0) break;
      }
      const counts = new Map<string, number>();
      for (const n of items) {
        const id = n.data?.request_id as string | undefined;
        if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return submitted.every((id) => counts.has(id)) ? { items, counts } : undefined;
    });
    for (const id of submitted) expect(perRequest.counts.get(id)).toBe(1);
    const expectedIds = perRequest.items
      .map((n) => n.id as string)
      .filter((id) => id > baseline)
      .sort();
    const feedCodes = feeds.flatMap((feed) => feed.closeCodes);
    expect(feedCodes.length).toBeGreaterThan(0);
    expect(new Set(feedCodes)).toEqual(new Set([1001]));
    for (const feed of feeds) {
      await until('every notification on every feed', () =>
        feed.ids().length >= expectedIds.length ? true : undefined,
      );
      // Each once (the order is the feed's, checked by its own spec).
      expect(new Set(feed.ids()).size).toBe(feed.ids().length);
      expect([...feed.ids()].sort()).toEqual(expectedIds);
    }

    // Every conversation opened by a submission exists, with its description as message 1, once.
    for (const [i, client] of clients.entries()) {
      const history = await call(
        'GET',
        `/api/v1/conversations/${conversations[i].conversation_id}?after_seq=0&limit=1`,
        client,
      );
      expect(history.messages[0]).toMatchObject({ seq: 1, content: 'Chat here' });
    }

    // Nothing was left in a queue or dead-lettered: the stopped consumers acked what they took.
    const drained = Object.fromEntries(
      Object.entries(depthsBefore).map(([queue, n]) => [queue, queue.endsWith('.dlq') ? n : 0]),
    );
    await until('every queue drained', async () => {
      const depths = await queueDepths();
      return Object.entries(depths).every(([queue, n]) => n <= drained[queue]!) ? true : undefined;
    });
    expect(await queueDepths()).toEqual(drained);

    await Promise.all([...chats.map(({ chat }) => chat.close()), ...feeds.map((f) => f.close())]);
  });
});
