/**
 * The notification-service's done criterion: "a client written only from API.md passes against
 * the running platform". Everything below the account helpers is written from API.md alone
 * (Conventions, Auth, Requests, Conversations, Notifications), with plain `fetch` and `ws`, through
 * the gateway; nothing here knows how a service is built. Accounts come from the e2e helpers
 * (registration, and staff through the admin API, as API.md describes them).
 *
 * Where API.md leaves a point open, the test does not assert it: whether assigning a request (new
 * -> assigned) also counts as a `request.status_changed`, the body of a webhook create beyond
 * `url` and `events`, the key names inside `data` (only that it holds the ids involved), the
 * values of a delivery's `status` but `failed`.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { newClient, newStaff, type Account } from '../support/api';
import { e2eState } from '../support/state';

// ---------------------------------------------------------------------------------------------
// The client, from API.md
// ---------------------------------------------------------------------------------------------

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NOTIFICATION_FIELDS = ['id', 'type', 'title', 'body', 'data', 'read_at', 'created_at'];

interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

interface Notification {
  id: string;
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  read_at: string | null;
  created_at: string;
}

const gateway = () => e2eState().gatewayUrl;
const tokenOf = (account: Account) => account.tokens.access_token;

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${gateway()}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('application/json');
  return {
    status: res.status,
    body: json && text ? JSON.parse(text) : undefined,
    text,
    headers: res.headers,
  };
}

/** An error answer of the Conventions: that status, and JSON `{"detail": "<message>"}`. */
function expectError(answer: Answer, status: number): void {
  expect({ status: answer.status, body: answer.body }).toEqual({
    status,
    body: expect.objectContaining({ detail: expect.any(String) }),
  });
  expect(answer.body.detail.length).toBeGreaterThan(0);
}

/** A list of the Conventions: `{items, total, page, page_size}`. */
function expectList(answer: Answer, page: number, pageSize: number): any[] {
  expect({ status: answer.status, body: answer.body }).toEqual({
    status: 200,
    body: expect.objectContaining({
      items: expect.any(Array),
      total: expect.any(Number),
      page,
      page_size: pageSize,
    }),
  });
  expect(Number.isInteger(answer.body.total)).toBe(true);
  return answer.body.items;
}

/** `{id, type, title, body, data, read_at, created_at}`; `data` carries at least `ids`. */
function expectNotification(n: any, type: string, ids: string[]): void {
  expect(Object.keys(n)).toEqual(expect.arrayContaining(NOTIFICATION_FIELDS));
  expect(n.id).toMatch(UUID);
  expect(n.type).toBe(type);
  expect(typeof n.title).toBe('string');
  expect(n.title.length).toBeGreaterThan(0);
  expect(typeof n.body).toBe('string');
  expect(n.data).toEqual(expect.any(Object));
  expect(Array.isArray(n.data)).toBe(false);
  expect(Object.values(n.data)).toEqual(expect.arrayContaining(ids));
  expect(n.read_at === null || ISO_UTC.test(n.read_at)).toBe(true);
  expect(n.created_at).toMatch(ISO_UTC);
}

/** Does `n` tell of this event type about `id` (an id its data carries)? */
const about = (type: string, id: string) => (n: Notification) =>
  n.type === type && Object.values(n.data).includes(id);

async function notificationsOf(account: Account, query = ''): Promise<Notification[]> {
  const items = expectList(
    await call('GET', `/api/v1/notifications?page=1&page_size=100${query}`, {
      token: tokenOf(account),
    }),
    1,
    100,
  );
  return items;
}

/** Events are consumed asynchronously: polls until `probe` finds what one should have caused. */
async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not seen in ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until `account` has `count` notifications that `match` picks; returns them. */
function waitForCount(
  account: Account,
  match: (n: Notification) => boolean,
  count = 1,
): Promise<Notification[]> {
  return eventually(`${count} notification(s) for ${account.email}`, async () => {
    const found = (await notificationsOf(account)).filter(match);
    return found.length >= count ? found : undefined;
  });
}

async function submitRequest(client: Account, description = 'Dinner for two, Friday at 8') {
  const res = await call('POST', '/api/v1/requests', {
    token: tokenOf(client),
    body: { type: 'dining', description },
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; conversation_id: string };
}

async function postMessage(sender: Account, conversationId: string, content: string) {
  const res = await call('POST', '/api/v1/messages', {
    token: tokenOf(sender),
    body: { conversation_id: conversationId, content, client_id: randomUUID() },
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; conversation_id: string };
}

/**
 * Assigns a request. Staff created a moment ago may not yet be known as staff to the service that
 * assigns (API.md: a conflict, 409), so a 409 is tried again for a few seconds.
 */
async function assign(by: Account, requestId: string, agentId: string): Promise<void> {
  await eventually('the assignment', async () => {
    const res = await call('POST', `/api/v1/admin/requests/${requestId}/assign`, {
      token: tokenOf(by),
      body: { agent_id: agentId },
    });
    if (res.status === 409) return undefined;
    expect(res.status).toBe(200);
    return res;
  });
}

async function setStatus(by: Account, requestId: string, status: string): Promise<void> {
  const res = await call('POST', `/api/v1/admin/requests/${requestId}/status`, {
    token: tokenOf(by),
    body: { status },
  });
  expect(res.status).toBe(200);
}

class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused: ${status}`);
  }
}

/** `/ws/notifications` as a client holds it: every frame, in the order received. */
class LiveNotifications {
  readonly frames: any[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString('utf8'))));
  }

  static open(token: string | undefined, after?: string): Promise<LiveNotifications> {
    const query = new URLSearchParams();
    if (token !== undefined) query.set('token', token);
    if (after !== undefined) query.set('after', after);
    const ws = new WebSocket(`${gateway().replace(/^http/, 'ws')}/ws/notifications?${query}`);
    const live = new LiveNotifications(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(live));
      ws.once('unexpected-response', (_req, res) => {
        reject(new HandshakeRefused(res.statusCode ?? 0));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  /** The notifications pushed, in order; every frame must be `{"type": "notification", ...}`. */
  notifications(): Notification[] {
    return this.frames.map((frame) => {
      expect(frame).toEqual({ type: 'notification', notification: expect.any(Object) });
      return frame.notification;
    });
  }

  waitFor(match: (n: Notification) => boolean, what: string): Promise<Notification> {
    return eventually(`a pushed notification: ${what}`, async () =>
      this.notifications().find(match),
    );
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close(1000);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Who is told, and what a notification is
// ---------------------------------------------------------------------------------------------

describe('notifications: who is told (API.md, Notifications)', () => {
  let client: Account;
  let stranger: Account;
  let agentA: Account;
  let agentB: Account;
  let admin: Account;
  let live: LiveNotifications;
  const r: Record<string, { id: string; conversation_id: string }> = {};
  const m: Record<string, { id: string }> = {};
  let statusChangesAfterAssign = 0;

  beforeAll(async () => {
    [client, stranger, agentA, agentB, admin] = await Promise.all([
      newClient('Layla'),
      newClient('Omar'),
      newStaff('agent'),
      newStaff('agent'),
      newStaff('admin'),
    ]);
    live = await LiveNotifications.open(tokenOf(client));
  });

  afterAll(async () => {
    await live?.close();
  });

  it('request.submitted reaches every agent and admin, each with the ids', async () => {
    r.one = await submitRequest(client);
    for (const staff of [agentA, agentB, admin]) {
      const [n] = await waitForCount(staff, about('request.submitted', r.one.id));
      expectNotification(n, 'request.submitted', [r.one.id]);
      expect(n!.read_at).toBeNull();
    }
  });

  it('request.assigned reaches the assignee', async () => {
    // The client's own message first: message.created by the client tells no one.
    m.own = await postMessage(client, r.one.conversation_id, 'Near the sea, please');
    await assign(agentA, r.one.id, agentB.id);
    const [n] = await waitForCount(agentB, about('request.assigned', r.one.id));
    expectNotification(n, 'request.assigned', [r.one.id]);
  });

  it('message.created by staff reaches the client, with the message and conversation ids', async () => {
    m.staff = await postMessage(agentB, r.one.conversation_id, 'Booked: 8pm, terrace 🌊');
    const [n] = await waitForCount(client, about('message.created', m.staff.id));
    expectNotification(n, 'message.created', [m.staff.id, r.one.conversation_id]);
  });

  it('request.status_changed reaches the client, once per change', async () => {
    // Whether new -> assigned (by assigning) counts as a status change is not said: counted here.
    statusChangesAfterAssign = (await notificationsOf(client)).filter(
      about('request.status_changed', r.one.id),
    ).length;
    await setStatus(agentB, r.one.id, 'in_progress');
    await waitForCount(
      client,
      about('request.status_changed', r.one.id),
      statusChangesAfterAssign + 1,
    );
    await setStatus(agentB, r.one.id, 'fulfilled');
    const changes = await waitForCount(
      client,
      about('request.status_changed', r.one.id),
      statusChangesAfterAssign + 2,
    );
    for (const n of changes) expectNotification(n, 'request.status_changed', [r.one.id]);
  });

  it('tells no one else, and each recipient once per event', async () => {
    // Later events that reach every account under test: once they are in, the earlier ones have
    // been handled too, so what is missing now is missing for good.
    r.two = await submitRequest(client, 'Two tickets for the opera');
    m.last = await postMessage(agentB, r.two.conversation_id, 'On it');
    for (const staff of [agentA, agentB, admin]) {
      await waitForCount(staff, about('request.submitted', r.two.id));
    }
    await waitForCount(client, about('message.created', m.last.id));

    const count = async (account: Account, type: string, id: string) =>
      (await notificationsOf(account)).filter(about(type, id)).length;
    for (const staff of [agentA, agentB, admin]) {
      expect(await count(staff, 'request.submitted', r.one.id)).toBe(1);
      expect(await count(staff, 'request.submitted', r.two.id)).toBe(1);
      // Staff are not told of messages: not of the client's, not of their own (the sender).
      for (const message of [m.own, m.staff, m.last]) {
        expect(await count(staff, 'message.created', message!.id)).toBe(0);
      }
      // Nor of status changes, which are the client's.
      expect(await count(staff, 'request.status_changed', r.one.id)).toBe(0);
    }
    expect(await count(agentB, 'request.assigned', r.one.id)).toBe(1);
    expect(await count(agentA, 'request.assigned', r.one.id)).toBe(0); // assigned, not assignee
    expect(await count(admin, 'request.assigned', r.one.id)).toBe(0);

    expect(await count(client, 'request.submitted', r.one.id)).toBe(0); // the client submitted
    expect(await count(client, 'request.assigned', r.one.id)).toBe(0);
    expect(await count(client, 'message.created', m.own.id)).toBe(0); // its own message
    expect(await count(client, 'message.created', m.staff.id)).toBe(1);
    expect(await count(client, 'message.created', m.last.id)).toBe(1);
    expect(statusChangesAfterAssign).toBeLessThanOrEqual(1);
    expect(await count(client, 'request.status_changed', r.one.id)).toBe(
      statusChangesAfterAssign + 2,
    );

    // Another client hears nothing of it.
    const theirs = JSON.stringify(await notificationsOf(stranger));
    for (const id of [r.one.id, r.two.id, r.one.conversation_id, m.staff.id]) {
      expect(theirs).not.toContain(id);
    }
  });

  it('pushed every one of the client notifications live, once, as the list has them', async () => {
    const listed = await notificationsOf(client);
    const pushed = await eventually('every notification pushed', async () => {
      const got = live.notifications();
      return got.length >= listed.length ? got : undefined;
    });
    const ids = pushed.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length); // no duplicate
    expect([...ids].sort()).toEqual(listed.map((n) => n.id).sort()); // none missing
    for (const n of pushed) {
      expect(n).toEqual(listed.find((l) => l.id === n.id));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The list, read, read-all, ownership
// ---------------------------------------------------------------------------------------------

describe('GET /api/v1/notifications, read and read-all (API.md, Notifications)', () => {
  let client: Account;
  let other: Account;
  let agent: Account;
  let mine: Notification[]; // newest first, as listed

  /** Gives `account` `count` message.created notifications; returns them newest first. */
  async function withNotifications(account: Account, count: number): Promise<Notification[]> {
    const request = await submitRequest(account);
    for (let i = 1; i <= count; i++) {
      await postMessage(agent, request.conversation_id, `Reply ${i}`);
    }
    return waitForCount(account, (n) => n.type === 'message.created', count);
  }

  beforeAll(async () => {
    [client, other, agent] = await Promise.all([
      newClient('Sara'),
      newClient('Yousef'),
      newStaff('agent'),
    ]);
    mine = await withNotifications(client, 5);
    await withNotifications(other, 1);
  });

  it('lists the caller notifications, newest first, in the list shape, page 1 of 20 by default', async () => {
    const answer = await call('GET', '/api/v1/notifications', { token: tokenOf(client) });
    const items = expectList(answer, 1, 20);
    expect(answer.body.total).toBe(5);
    expect(items).toHaveLength(5);
    for (const n of items) expectNotification(n, 'message.created', []);
    const times = items.map((n) => Date.parse(n.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('pages with page and page_size', async () => {
    const pageOf = async (page: number) => {
      const answer = await call('GET', `/api/v1/notifications?page=${page}&page_size=2`, {
        token: tokenOf(client),
      });
      const items = expectList(answer, page, 2);
      expect(answer.body.total).toBe(5);
      return items.map((n: Notification) => n.id);
    };
    expect([...(await pageOf(1)), ...(await pageOf(2)), ...(await pageOf(3))]).toEqual(
      mine.map((n) => n.id),
    );
    expect(await pageOf(4)).toEqual([]);
  });

  it.each(['page_size=0', 'page_size=101', 'page=0', 'page_size=ten', 'unread=perhaps'])(
    'refuses %s with 400',
    async (query) => {
      expectError(
        await call('GET', `/api/v1/notifications?${query}`, { token: tokenOf(client) }),
        400,
      );
    },
  );

  it('refuses a caller without a valid token with 401', async () => {
    expectError(await call('GET', '/api/v1/notifications'), 401);
    expectError(await call('GET', '/api/v1/notifications', { token: 'not.a.token' }), 401);
    expectError(await call('POST', '/api/v1/notifications/read-all'), 401);
    expectError(await call('POST', `/api/v1/notifications/${mine[0]!.id}/read`), 401);
  });

  it('answers 404 for a notification of someone else, and leaves it unread', async () => {
    const target = mine[1]!;
    expectError(
      await call('POST', `/api/v1/notifications/${target.id}/read`, { token: tokenOf(other) }),
      404,
    );
    expectError(
      await call('POST', `/api/v1/notifications/${randomUUID()}/read`, { token: tokenOf(client) }),
      404,
    );
    const unread = await notificationsOf(client, '&unread=true');
    expect(unread.map((n) => n.id)).toContain(target.id);
  });

  it('marks one read: 200 with the notification, read_at set; unread=true leaves it out', async () => {
    const target = mine[1]!;
    const res = await call('POST', `/api/v1/notifications/${target.id}/read`, {
      token: tokenOf(client),
    });
    expect(res.status).toBe(200);
    expectNotification(res.body, 'message.created', []);
    expect(res.body).toMatchObject({ ...target, read_at: expect.stringMatching(ISO_UTC) });

    const unread = await call('GET', '/api/v1/notifications?unread=true', {
      token: tokenOf(client),
    });
    expect(expectList(unread, 1, 20).map((n: Notification) => n.id)).toEqual(
      mine.filter((n) => n.id !== target.id).map((n) => n.id),
    );
    expect(unread.body.total).toBe(4);
    const all = await notificationsOf(client);
    expect(all.find((n) => n.id === target.id)?.read_at).toBe(res.body.read_at);
  });

  it('marks all read: 204, nothing unread left, and no one else touched', async () => {
    const res = await call('POST', '/api/v1/notifications/read-all', { token: tokenOf(client) });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const unread = await call('GET', '/api/v1/notifications?unread=true', {
      token: tokenOf(client),
    });
    expect(expectList(unread, 1, 20)).toEqual([]);
    expect(unread.body.total).toBe(0);
    for (const n of await notificationsOf(client)) expect(n.read_at).toMatch(ISO_UTC);
    expect(await notificationsOf(other, '&unread=true')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Live: /ws/notifications
// ---------------------------------------------------------------------------------------------

describe('GET /ws/notifications (API.md, Notifications: Live)', () => {
  let client: Account;
  let agent: Account;
  let request: { id: string; conversation_id: string };
  const sockets: LiveNotifications[] = [];

  const open = async (after?: string) => {
    const socket = await LiveNotifications.open(tokenOf(client), after);
    sockets.push(socket);
    return socket;
  };
  /** A staff reply, and the client notification it causes (as listed). */
  const reply = async (content: string): Promise<Notification> => {
    const message = await postMessage(agent, request.conversation_id, content);
    const [n] = await waitForCount(client, about('message.created', message.id));
    return n!;
  };

  beforeAll(async () => {
    [client, agent] = await Promise.all([newClient('Huda'), newStaff('agent')]);
    request = await submitRequest(client);
  });

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
  });

  it('refuses a handshake without a valid token with 401', async () => {
    for (const token of [undefined, 'not.a.token', `${tokenOf(client)}x`]) {
      const refusal = await LiveNotifications.open(token).then(
        async (socket) => {
          await socket.close();
          return undefined;
        },
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(HandshakeRefused);
      expect((refusal as HandshakeRefused).status).toBe(401);
    }
  });

  it('resumes after a notification with no gap and no duplicate, then goes on live', async () => {
    const first = await open();
    const n1 = await reply('One');
    expect((await first.waitFor((n) => n.id === n1.id, 'n1')).id).toBe(n1.id);
    await first.close();

    // Stored while the client was away.
    const n2 = await reply('Two');
    const n3 = await reply('Three');

    const resumed = await open(n1.id);
    await resumed.waitFor((n) => n.id === n3.id, 'the missed ones');
    const n4 = await reply('Four');
    await resumed.waitFor((n) => n.id === n4.id, 'a live one after the missed ones');
    expect(resumed.notifications().map((n) => n.id)).toEqual([n2.id, n3.id, n4.id]);
    expect(resumed.notifications()[0]).toEqual(n2);
    expectNotification(resumed.notifications()[2], 'message.created', [request.conversation_id]);
  });

  it('without after, pushes only what is stored from then on, to every open connection', async () => {
    const listedBefore = await notificationsOf(client);
    expect(listedBefore.length).toBeGreaterThan(0);
    const [one, two] = [await open(), await open()];
    const n = await reply('Five');
    await one.waitFor((x) => x.id === n.id, 'on the first connection');
    await two.waitFor((x) => x.id === n.id, 'on the second connection');
    expect(one.notifications()).toEqual([n]);
    expect(two.notifications()).toEqual([n]);
  });
});

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  answered: number;
}

/** A webhook receiver of the test's own: records every POST, answers what `answer` says. */
class Receiver {
  readonly received: Received[] = [];
  private answers = new Map<string, (attempt: number, delivery: string) => number>();
  private constructor(private readonly server: Server) {}

  static async start(): Promise<Receiver> {
    const server = createServer();
    const receiver = new Receiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        const delivery = String(req.headers['x-ajla-delivery'] ?? '');
        const attempt =
          receiver.received.filter(
            (r) => r.path === path && r.headers['x-ajla-delivery'] === delivery,
          ).length + 1;
        const status = receiver.answers.get(path)?.(attempt, delivery) ?? 200;
        receiver.received.push({
          path,
          headers: req.headers,
          raw: Buffer.concat(chunks),
          answered: status,
        });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  answer(path: string, status: (attempt: number, delivery: string) => number): void {
    this.answers.set(path, status);
  }

  /** What reached `path` for events whose body mentions `id`. */
  at(path: string, id?: string): Received[] {
    return this.received.filter(
      (r) => r.path === path && (id === undefined || r.raw.toString('utf8').includes(id)),
    );
  }

  waitFor(what: string, pick: () => Received[], count = 1): Promise<Received[]> {
    return eventually(
      what,
      async () => {
        const found = pick();
        return found.length >= count ? found : undefined;
      },
      30_000,
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const header = (r: Received, name: string): string => {
  const value = r.headers[name];
  expect(typeof value).toBe('string');
  return value as string;
};

/** `X-Ajla-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
function verifyAjlaSignature(r: Received, secret: string): void {
  const signature = header(r, 'x-ajla-signature');
  expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature)!;
  expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(600);
  const expected = createHmac('sha256', secret)
    .update(Buffer.concat([Buffer.from(`${t}.`), r.raw]))
    .digest('hex');
  expect(v1).toBe(expected);
}

/**
 * Standard Webhooks 1.0, as its specification verifies: the secret is `whsec_` and the base64 of
 * the key; `webhook-signature` is a space-separated list of `v1,<base64 HMAC-SHA256(key,
 * "<webhook-id>.<webhook-timestamp>.<raw body>")>`.
 */
function verifyStandardWebhooksSignature(r: Received, secret: string): void {
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const id = header(r, 'webhook-id');
  const timestamp = header(r, 'webhook-timestamp');
  expect(timestamp).toMatch(/^\d+$/);
  expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(600);
  const expected = createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), r.raw]))
    .digest('base64');
  expect(header(r, 'webhook-signature').split(' ')).toContain(`v1,${expected}`);
}

/** The headers and body of a delivery of `type` (API.md, Notifications: Webhooks). */
function expectDelivery(r: Received, type: string, secret: string): void {
  expect(r.headers['content-type']).toMatch(/application\/json/);
  expect(JSON.parse(r.raw.toString('utf8'))).toEqual(expect.any(Object));
  expect(header(r, 'x-ajla-event')).toBe(type);
  const delivery = header(r, 'x-ajla-delivery');
  expect(delivery.length).toBeGreaterThan(0);
  expect(header(r, 'webhook-id')).toBe(delivery);
  verifyAjlaSignature(r, secret);
  verifyStandardWebhooksSignature(r, secret);
}

describe('webhooks (API.md, Notifications: Webhooks)', () => {
  let receiver: Receiver;
  let admin: Account;
  let agent: Account;
  let client: Account;
  const created: string[] = [];
  let flakyDelivery: string | undefined;

  const subscribe = async (path: string, events: string[]) => {
    const res = await call('POST', '/api/v1/admin/webhooks', {
      token: tokenOf(admin),
      body: { url: receiver.url(path), events },
    });
    expect(res.status).toBe(201);
    created.push(res.body.id);
    return res.body as {
      id: string;
      url: string;
      events: string[];
      secret: string;
      active: boolean;
    };
  };
  const deliveriesOf = async (webhookId: string) => {
    const res = await call('GET', `/api/v1/admin/webhooks/${webhookId}/deliveries?page_size=100`, {
      token: tokenOf(admin),
    });
    return expectList(res, 1, 100);
  };
  const attemptsOf = (delivery: any): number =>
    Array.isArray(delivery.attempts) ? delivery.attempts.length : delivery.attempts;

  beforeAll(async () => {
    receiver = await Receiver.start();
    [admin, agent, client] = await Promise.all([
      newStaff('admin'),
      newStaff('agent'),
      newClient('Noor'),
    ]);
  });

  afterAll(async () => {
    // Leave no subscription behind for the suites that follow.
    for (const id of created) {
      await call('DELETE', `/api/v1/admin/webhooks/${id}`, { token: tokenOf(admin) });
    }
    await receiver?.close();
  });

  it('admin only: 401 without a token, 403 for a client or an agent', async () => {
    const body = { url: receiver.url('/nobody'), events: ['*'] };
    const someId = randomUUID();
    const calls: [string, string, unknown?][] = [
      ['POST', '/api/v1/admin/webhooks', body],
      ['GET', '/api/v1/admin/webhooks'],
      ['DELETE', `/api/v1/admin/webhooks/${someId}`],
      ['GET', `/api/v1/admin/webhooks/${someId}/deliveries`],
    ];
    for (const [method, path, sent] of calls) {
      expectError(await call(method, path, { body: sent }), 401);
      expectError(await call(method, path, { body: sent, token: tokenOf(client) }), 403);
      expectError(await call(method, path, { body: sent, token: tokenOf(agent) }), 403);
    }
  });

  it('refuses a malformed subscription with 400', async () => {
    const bodies = [
      { events: ['*'] },
      { url: 'not a url', events: ['*'] },
      { url: receiver.url('/x'), events: '*' },
      { url: receiver.url('/x'), events: ['*'], surprise: true },
    ];
    for (const body of bodies) {
      expectError(
        await call('POST', '/api/v1/admin/webhooks', { token: tokenOf(admin), body }),
        400,
      );
    }
  });

  it('creates: 201 {id, url, events, secret, active, created_at}; lists without secrets', async () => {
    const url = receiver.url('/shape');
    const res = await call('POST', '/api/v1/admin/webhooks', {
      token: tokenOf(admin),
      body: { url, events: ['request.submitted', 'message.created'] },
    });
    expect(res.status).toBe(201);
    created.push(res.body.id);
    expect(res.body).toEqual(
      expect.objectContaining({
        id: expect.stringMatching(UUID),
        url,
        events: ['request.submitted', 'message.created'],
        secret: expect.any(String),
        active: true,
        created_at: expect.stringMatching(ISO_UTC),
      }),
    );
    expect(res.body.secret.length).toBeGreaterThanOrEqual(16);

    const list = await call('GET', '/api/v1/admin/webhooks?page_size=100', {
      token: tokenOf(admin),
    });
    const items = expectList(list, 1, 100);
    const listed = items.find((w: any) => w.id === res.body.id);
    expect(listed).toEqual(expect.objectContaining({ id: res.body.id, url, active: true }));
    for (const item of items) expect(item).not.toHaveProperty('secret');
    expect(list.text).not.toContain(res.body.secret);
  });

  it('delivers signed events to the subscribers of their key or of *, and only those', async () => {
    const all = await subscribe('/all', ['*']);
    const submitted = await subscribe('/submitted', ['request.submitted']);
    const request = await submitRequest(client, 'A driver from the airport');

    const [toAll] = await receiver.waitFor('request.submitted at /all', () =>
      receiver.at('/all', request.id),
    );
    const [toSubmitted] = await receiver.waitFor('request.submitted at /submitted', () =>
      receiver.at('/submitted', request.id),
    );
    expectDelivery(toAll!, 'request.submitted', all.secret);
    expectDelivery(toSubmitted!, 'request.submitted', submitted.secret);
    expect(header(toAll!, 'x-ajla-delivery')).not.toBe(header(toSubmitted!, 'x-ajla-delivery'));

    await assign(agent, request.id, agent.id);
    await setStatus(agent, request.id, 'in_progress');
    const byKey = (key: string) => () =>
      receiver.at('/all', request.id).filter((r) => r.headers['x-ajla-event'] === key);
    const [assigned] = await receiver.waitFor(
      'request.assigned at /all',
      byKey('request.assigned'),
    );
    expectDelivery(assigned!, 'request.assigned', all.secret);
    const changes = await receiver.waitFor(
      'request.status_changed at /all',
      byKey('request.status_changed'),
    );
    for (const change of changes) expectDelivery(change, 'request.status_changed', all.secret);
    // /submitted heard of the submission only, once.
    expect(receiver.at('/submitted', request.id).map((r) => r.headers['x-ajla-event'])).toEqual([
      'request.submitted',
    ]);

    // The deliveries log: the one /all received, with its attempts and status.
    const deliveries = await deliveriesOf(all.id);
    const logged = deliveries.find((d: any) => d.id === header(toAll!, 'x-ajla-delivery'));
    expect(logged).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        attempts: expect.anything(),
        status: expect.any(String),
      }),
    );
    expect(attemptsOf(logged)).toBeGreaterThanOrEqual(1);
    expect(logged.status).not.toBe('failed');
  });

  it('retries a delivery that got no 2xx under the same delivery id', async () => {
    // Any 2xx is success: 202 ends the retries as 200 would.
    receiver.answer('/flaky', (attempt) => (attempt === 1 ? 503 : 202));
    const flaky = await subscribe('/flaky', ['request.submitted']);
    const request = await submitRequest(client, 'Flowers for Friday');
    const attempts = await receiver.waitFor(
      'a retry at /flaky',
      () => receiver.at('/flaky', request.id),
      2,
    );
    expect(attempts.map((a) => a.answered)).toEqual([503, 202]);
    const delivery = header(attempts[0]!, 'x-ajla-delivery');
    flakyDelivery = delivery;
    expect(header(attempts[1]!, 'x-ajla-delivery')).toBe(delivery);
    for (const attempt of attempts) expectDelivery(attempt, 'request.submitted', flaky.secret);
    expect(attempts[1]!.raw.equals(attempts[0]!.raw)).toBe(true);

    const logged = await eventually('the retried delivery logged with 2 attempts', async () => {
      const found = (await deliveriesOf(flaky.id)).find((d: any) => d.id === delivery);
      return found !== undefined && attemptsOf(found) >= 2 ? found : undefined;
    });
    expect(logged.status).not.toBe('failed');
  });

  it('marks failed a delivery that never got a 2xx, after at least 5 attempts', async () => {
    receiver.answer('/down', () => 500);
    const down = await subscribe('/down', ['request.submitted']);
    const request = await submitRequest(client, 'A yacht for the weekend');
    const [first] = await receiver.waitFor('a delivery at /down', () =>
      receiver.at('/down', request.id),
    );
    const delivery = header(first!, 'x-ajla-delivery');
    const logged = await eventually(
      'the delivery marked failed',
      async () =>
        (await deliveriesOf(down.id)).find((d: any) => d.id === delivery && d.status === 'failed'),
      60_000,
    );
    expect(attemptsOf(logged)).toBeGreaterThanOrEqual(5);
    const received = receiver.at('/down', request.id);
    expect(received.length).toBeGreaterThanOrEqual(5);
    for (const attempt of received) {
      expect(header(attempt, 'x-ajla-delivery')).toBe(delivery);
      expectDelivery(attempt, 'request.submitted', down.secret);
    }
  }, 90_000);

  it('deletes: 204, then 404; the subscription is no longer listed nor delivered to', async () => {
    const gone = await subscribe('/gone', ['request.submitted']);
    const witness = await subscribe('/witness', ['request.submitted']);
    const del = await call('DELETE', `/api/v1/admin/webhooks/${gone.id}`, {
      token: tokenOf(admin),
    });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expectError(
      await call('DELETE', `/api/v1/admin/webhooks/${gone.id}`, { token: tokenOf(admin) }),
      404,
    );
    expectError(
      await call('GET', `/api/v1/admin/webhooks/${gone.id}/deliveries`, { token: tokenOf(admin) }),
      404,
    );
    expectError(
      await call('GET', `/api/v1/admin/webhooks/${randomUUID()}/deliveries`, {
        token: tokenOf(admin),
      }),
      404,
    );
    const list = await call('GET', '/api/v1/admin/webhooks?page_size=100', {
      token: tokenOf(admin),
    });
    expect(expectList(list, 1, 100).map((w: any) => w.id)).not.toContain(gone.id);

    const request = await submitRequest(client, 'Theatre tickets');
    await receiver.waitFor('the witness delivery', () => receiver.at('/witness', request.id));
    expect(receiver.at('/gone')).toEqual([]);
    expect(witness.id).not.toBe(gone.id);
  });

  it('stopped retrying the delivery that got a 202', () => {
    // The flaky receiver's delivery succeeded on its second attempt, many retry delays ago.
    expect(flakyDelivery).toBeDefined();
    const flaky = receiver.received.filter(
      (r) => r.path === '/flaky' && r.headers['x-ajla-delivery'] === flakyDelivery,
    );
    expect(flaky.map((r) => r.answered)).toEqual([503, 202]);
  });
});
