import { newClient, newStaff, type Account } from '../support/api';
import { refusalStatus } from '../support/chat';
import { NotificationSocket } from '../support/notification-socket';
import { submitRequest } from '../support/requests';

const aboutRequest = (requestId: string) => (notification: any) =>
  notification.type === 'request.submitted' && notification.data.request_id === requestId;

describe('the notifications socket (through the gateway)', () => {
  let client: Account;
  let agent: Account;
  const sockets: NotificationSocket[] = [];

  const open = async (...args: Parameters<typeof NotificationSocket.open>) => {
    const socket = await NotificationSocket.open(...args);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    [client, agent] = await Promise.all([newClient('Nadia'), newStaff('agent')]);
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  it('pushes a submitted request to a connected agent, then resumes after the last one seen with what was missed', async () => {
    const socket = await open(agent.tokens.access_token);
    // The new agent is known to notification-service once its user.registered was consumed
    // (asynchronously): submit until a request reaches the socket.
    let seen: any;
    for (let attempt = 0; seen === undefined; attempt++) {
      if (attempt > 5) throw new Error('no request reached the agent’s socket');
      const request = await submitRequest(client, { type: 'dining', description: 'probe' });
      seen = await socket.waitForNotification(aboutRequest(request.id), 3000);
    }
    expect(seen).toEqual({
      id: expect.any(String),
      type: 'request.submitted',
      title: 'New dining request',
      body: 'probe',
      data: expect.objectContaining({ request_id: expect.any(String) }),
      read_at: null,
      created_at: expect.any(String),
    });
    const lastSeen = socket.notifications().at(-1);
    socket.close();

    // Missed while disconnected.
    const missed = [
      await submitRequest(client, { type: 'events', description: 'missed one' }),
      await submitRequest(client, { type: 'travel', description: 'missed two' }),
    ];
    const resumed = await open(agent.tokens.access_token, {
      after: lastSeen.id,
      subprotocol: true,
    });
    for (const request of missed) {
      expect(await resumed.waitForNotification(aboutRequest(request.id))).toBeDefined();
    }
    const live = await submitRequest(client, { type: 'dining', description: 'live one' });
    expect(await resumed.waitForNotification(aboutRequest(live.id))).toBeDefined();

    const ids = resumed.notifications().map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(lastSeen.id);
    // What was missed comes before what is live. The two missed ones are independent events,
    // handled concurrently: they come in the order they were stored, which need not be the order
    // they were submitted in.
    const at = (request: { id: string }) =>
      resumed.notifications().findIndex(aboutRequest(request.id));
    for (const request of missed) expect(at(request)).toBeLessThan(at(live));
  });

  it('refuses a handshake without a valid token (401), a bad after (400), one not the caller’s (404)', async () => {
    const token = client.tokens.access_token;
    expect(await refusalStatus(NotificationSocket.open(undefined))).toBe(401);
    expect(await refusalStatus(NotificationSocket.open('not-a-token'))).toBe(401);
    expect(await refusalStatus(NotificationSocket.open(token, { after: 'abc' }))).toBe(400);
    const unknown = '01900000-0000-7000-8000-000000000000';
    expect(await refusalStatus(NotificationSocket.open(token, { after: unknown }))).toBe(404);
  });
});
