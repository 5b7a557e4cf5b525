import { newId } from '@ajla/shared-kernel';
import { waitFor } from '@ajla/testing';
import { call, ServiceHarness, type Account, type Replica } from '../../../test/harness';

jest.setTimeout(60_000);

/** The service on real Postgres, RabbitMQ and Redis; the histogram read from its /metrics. */
describe('time to first staff reply (ajla_conversation_first_staff_reply_seconds)', () => {
  const harness = new ServiceHarness();
  let replica: Replica;
  let client: Account;
  let agent: Account;
  let admin: Account;

  const open = async (createdAt: Date): Promise<string> => {
    const conversationId = newId();
    const res = await call(replica.baseUrl, 'PUT', `/internal/conversations/${conversationId}`, {
      as: client,
      body: {
        request_id: newId(),
        user_id: client.id,
        description: 'Two seats to Petra',
        created_at: createdAt.toISOString(),
      },
    });
    expect(res.status).toBe(201);
    return conversationId;
  };
  const post = async (
    as: Account,
    conversationId: string,
    content: string,
    clientId?: string,
    at: Replica = replica,
  ) => {
    const res = await call(at.baseUrl, 'POST', '/api/v1/messages', {
      as,
      body: {
        conversation_id: conversationId,
        content,
        ...(clientId ? { client_id: clientId } : {}),
      },
    });
    expect([200, 201]).toContain(res.status);
  };
  /** The histogram's count and sum, once `ready` holds for them. */
  const histogram = (
    ready: (h: { count: number; sum: number }) => boolean,
    at: Replica = replica,
  ) =>
    waitFor(async () => {
      const text = await (await fetch(`${at.baseUrl}/metrics`)).text();
      const value = (suffix: string) =>
        Number(
          new RegExp(
            `^ajla_conversation_first_staff_reply_seconds_${suffix}\\{[^}]*\\} (\\S+)$`,
            'm',
          ).exec(text)?.[1] ?? NaN,
        );
      const h = { count: value('count'), sum: value('sum') };
      return ready(h) ? h : undefined;
    });

  beforeAll(async () => {
    await harness.setUp('first_reply');
    replica = await harness.startReplica();
    [client, agent, admin] = await Promise.all([
      harness.account('user'),
      harness.account('agent'),
      harness.account('admin'),
    ]);
  });

  afterAll(async () => {
    await harness.tearDown();
  });

  it('observes the first staff message of a conversation once, from its opening', async () => {
    expect(await histogram(() => true)).toEqual({ count: 0, sum: 0 });

    // Opened 90 s ago; the client writes, then an agent answers (the first reply), then an admin.
    const answered = await open(new Date(Date.now() - 90_000));
    await post(client, answered, 'Any news?');
    const clientId = newId();
    await post(agent, answered, 'On it', clientId);
    const first = await histogram((h) => h.count >= 1);
    expect(first.count).toBe(1);
    expect(first.sum).toBeGreaterThanOrEqual(90);
    expect(first.sum).toBeLessThan(120);

    // Later staff messages, and a resend of the first one, are not first replies.
    await post(admin, answered, 'Booked');
    await post(agent, answered, 'On it', clientId);
    // A conversation only its client writes in has no reply to time.
    const unanswered = await open(new Date());
    await post(client, unanswered, 'Hello?');
    // Then a second conversation answered at once: the count moves to 2, not more.
    const quick = await open(new Date());
    await post(admin, quick, 'Hello, how can I help?');
    const second = await histogram((h) => h.count >= 2);
    expect(second.count).toBe(2);
    expect(second.sum - first.sum).toBeLessThan(30);
  });

  it('counts a first reply once across replicas: a later staff message on another is no first', async () => {
    const other = await harness.startReplica();
    const onOther = (ready: (h: { count: number; sum: number }) => boolean) =>
      histogram(ready, other);
    const before = await histogram(() => true);
    const conversationId = await open(new Date(Date.now() - 10_000));
    await post(agent, conversationId, 'Hello');
    const after = await histogram((h) => h.count > before.count);
    expect(after.count - before.count).toBe(1);

    // The other replica has never seen this conversation answered: it asks Postgres, which says
    // its message is not the first from staff.
    await post(admin, conversationId, 'Hello too', undefined, other);
    await post(agent, conversationId, 'Here as well', undefined, other);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await onOther(() => true)).toEqual({ count: 0, sum: 0 });
    // A conversation it answers first is its to count.
    const next = await open(new Date());
    await post(agent, next, 'Hello', undefined, other);
    expect((await onOther((h) => h.count >= 1)).count).toBe(1);
    expect((await histogram(() => true)).count).toBe(after.count);
  });
});
