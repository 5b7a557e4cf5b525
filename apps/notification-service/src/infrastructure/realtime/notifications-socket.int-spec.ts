import { createEnvelope } from '@ajla/contracts';
import { newId } from '@ajla/shared-kernel';
import { TEST_REDIS_URL } from '@ajla/service-testing';
import { Redis } from 'ioredis';
import { toNotification } from '../persistence/typeorm-notification.repository';
import { notificationFrame } from './notification-hub';
import { ServiceHarness, type Account } from '../../../test/harness';
import { NotificationSocket } from '../../../test/notification-socket';

jest.setTimeout(90_000);

/** `/ws/notifications` on two replicas over a real Postgres, RabbitMQ and Redis. */
describe('the notifications socket', () => {
  const harness = new ServiceHarness();
  /** To publish on the notifications' channels as a replica does. */
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  let replicaUrl: string;
  const sockets: NotificationSocket[] = [];

  const open = async (...args: Parameters<typeof NotificationSocket.open>) => {
    const socket = await NotificationSocket.open(...args);
    sockets.push(socket);
    return socket;
  };

  const refusal = (...args: Parameters<typeof NotificationSocket.open>) =>
    open(...args).then(
      () => 101,
      (status: unknown) => status,
    );

  /** A status change of a request of `client`'s: one notification, theirs. */
  const statusChanged = (client: Account) =>
    createEnvelope(
      'request.status_changed',
      {
        request_id: newId(),
        user_id: client.id,
        from: 'assigned',
        to: 'in_progress',
        changed_by: newId(),
        assignee_id: newId(),
        conversation_id: newId(),
        updated_at: '2026-11-22T10:00:00.000Z',
      },
      { producer: 'request-service' },
    );

  /** Publishes `count` status changes of `client`'s; resolves with their events' ids. */
  const tell = (client: Account, count = 1): string[] => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const event = statusChanged(client);
      harness.publish(event);
      ids.push(event.id);
    }
    return ids;
  };

  const handled = async (eventIds: string[]) => {
    for (const id of eventIds) await harness.handled(id);
  };

  /** The recipient's notification ids stored after `afterId` (all without), in store order. */
  const storedAfter = async (recipient: Account, afterId?: string): Promise<string[]> => {
    const { rows } = await harness.sql.query(
      `SELECT id FROM notifications.notifications
        WHERE recipient_id = $1
          AND seq > coalesce((SELECT seq FROM notifications.notifications WHERE id = $2), 0)
        ORDER BY seq`,
      [recipient.id, afterId ?? null],
    );
    return rows.map((row) => row.id as string);
  };

  /**
   * Stores `count` notifications of `recipient` as the repository does (each with the next of
   * their seqs) without pushing them: what a replica commits before its push, or before it dies.
   * Resolves with their ids, seqs and frames, in seq order.
   */
  const storeUnpushed = async (recipient: Account, count = 1) => {
    const stored: { id: string; seq: number; frame: string }[] = [];
    for (let i = 0; i < count; i++) {
      const { rows } = await harness.sql.query(
        `WITH numbered AS (
           INSERT INTO notifications.notification_sequences AS q (recipient_id, last_seq)
           VALUES ($2, 1)
           ON CONFLICT (recipient_id) DO UPDATE SET last_seq = q.last_seq + 1
           RETURNING last_seq
         )
         INSERT INTO notifications.notifications
           (id, recipient_id, event_id, type, title, body, data, created_at, seq)
         SELECT $1, $2, $3, 'request.status_changed', 'Your request is fulfilled', '', '{}', now(),
                last_seq
           FROM numbered
         RETURNING *`,
        [newId(), recipient.id, newId()],
      );
      const notification = toNotification(rows[0]);
      stored.push({ id: notification.id, ...notificationFrame(notification) });
    }
    return stored;
  };

  beforeAll(async () => {
    await harness.setUp('socket');
    replicaUrl = (await harness.replica()).wsUrl;
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    redis.disconnect();
    await harness.tearDown();
  });

  it("pushes a stored notification to every socket of its recipient, on either replica, and to nobody else's", async () => {
    const [alice, bob] = await Promise.all([harness.account('user'), harness.account('user')]);
    const aliceHere = await open(harness.wsUrl, alice);
    const aliceThere = await open(replicaUrl, alice, { subprotocol: true });
    const bobThere = await open(replicaUrl, bob);

    await handled(tell(alice));
    const [forAlice] = await aliceHere.waitForNotifications(1);
    await aliceThere.waitForNotifications(1);
    expect(forAlice).toEqual({
      id: expect.any(String),
      type: 'request.status_changed',
      title: 'Your request is now in progress',
      body: expect.any(String),
      data: expect.objectContaining({ status: 'in_progress' }),
      read_at: null,
      created_at: expect.any(String),
    });
    expect(aliceThere.ids()).toEqual([forAlice.id]);
    expect(await storedAfter(alice)).toEqual([forAlice.id]);

    await handled(tell(bob));
    await bobThere.waitForNotifications(1);
    // Alice's push reached aliceThere through the same replica and Redis connection before: had
    // it gone to Bob's socket, it would have come first.
    expect(bobThere.ids()).toEqual(await storedAfter(bob));
    expect(aliceHere.ids()).toEqual([forAlice.id]);
    expect(aliceThere.ids()).toEqual([forAlice.id]);
  });

  it('resumes after a seen notification: everything missed, in order, then live ones, none twice', async () => {
    const carol = await harness.account('user');
    const first = await open(harness.wsUrl, carol);
    await handled(tell(carol));
    const [seen] = await first.waitForNotifications(1);
    first.close();

    // Missed while away: more than one page of the resume's reads.
    const missed = tell(carol, 150);
    await handled(missed);
    const expectedMissed = await storedAfter(carol, seen.id);
    expect(expectedMissed).toHaveLength(150);

    // More are stored while the resume reads the database, and after.
    const during = tell(carol, 30);
    const resumed = await open(replicaUrl, carol, { after: seen.id });
    await handled(during);
    const after = tell(carol, 5);
    await handled(after);

    const everything = await storedAfter(carol, seen.id);
    expect(everything).toHaveLength(185);
    await resumed.waitForNotifications(185);
    const got = resumed.ids();
    expect(got).toHaveLength(185);
    expect(new Set(got).size).toBe(185);
    expect([...got].sort()).toEqual([...everything].sort());
    // What was missed came first, in the order it was stored.
    expect(got.slice(0, 150)).toEqual(expectedMissed);
    expect(got).not.toContain(seen.id);

    // A resume from the last one gets nothing more, then the next live one.
    const last = await open(harness.wsUrl, carol, { after: everything[184] });
    await handled(tell(carol));
    const [next] = await last.waitForNotifications(1);
    expect(next.id).toBe((await storedAfter(carol, everything[184]))[0]);
    expect(last.ids()).toEqual([next.id]);
  });

  it('a notification stored but never pushed (its replica died after the commit) is found on resume', async () => {
    const dave = await harness.account('user');
    const socket = await open(harness.wsUrl, dave);
    await handled(tell(dave));
    const [seen] = await socket.waitForNotifications(1);
    socket.close();
    // Committed by an instance that stopped before it published.
    const [lost] = await storeUnpushed(dave);
    const resumed = await open(replicaUrl, dave, { after: seen.id });
    await resumed.waitForNotifications(1);
    expect(resumed.ids()).toEqual([lost.id]);
  });

  it("sends a recipient's live notifications in their order however the replicas' pushes arrive, reading any that never came", async () => {
    const ida = await harness.account('user');
    const [first, onHold] = await Promise.all([open(harness.wsUrl, ida), open(replicaUrl, ida)]);
    // Three committed by two replicas; their pushes reach Redis late and out of order.
    const stored = await storeUnpushed(ida, 3);
    const push = (n: { seq: number; frame: string }) =>
      redis.publish(
        `${harness.redisPrefix}notifications:${ida.id}`,
        JSON.stringify({ s: n.seq, f: n.frame }),
      );
    await push(stored[2]);
    await push(stored[0]);
    await push(stored[1]);
    for (const socket of [first, onHold]) {
      await socket.waitForNotifications(3);
      expect(socket.ids()).toEqual(stored.map((n) => n.id));
    }
    // One whose push is lost; the next one that comes reveals it, read from the database.
    const [lost, fifth] = await storeUnpushed(ida, 2);
    await push(fifth);
    for (const socket of [first, onHold]) {
      await socket.waitForNotifications(5);
      expect(socket.ids()).toEqual([...stored, lost, fifth].map((n) => n.id));
    }
    // The last one seen is the one to resume from: nothing comes twice.
    await push(lost);
    const resumed = await open(replicaUrl, ida, { after: first.ids().at(-1) });
    const [sixth] = await storeUnpushed(ida);
    await push(sixth);
    await resumed.waitForNotifications(1);
    expect(resumed.ids()).toEqual([sixth.id]);
    await first.waitForNotifications(6);
    expect(first.ids()).toEqual([...stored, lost, fifth, sixth].map((n) => n.id));
  });

  it('refuses bad handshakes with plain HTTP answers: 401 without a valid token, 400 a bad after, 404 one not the caller’s', async () => {
    const [erin, frank] = await Promise.all([harness.account('user'), harness.account('user')]);
    const frankSocket = await open(harness.wsUrl, frank);
    await handled(tell(frank));
    const [franks] = await frankSocket.waitForNotifications(1);

    expect(await refusal(harness.wsUrl, undefined)).toBe(401);
    expect(await refusal(harness.wsUrl, undefined, { token: 'not-a-jwt' })).toBe(401);
    expect(await refusal(harness.wsUrl, erin, { after: 'abc' })).toBe(400);
    expect(await refusal(harness.wsUrl, erin, { after: newId() })).toBe(404);
    expect(await refusal(harness.wsUrl, erin, { after: franks.id })).toBe(404);
    expect(await refusal(harness.wsUrl, frank, { after: franks.id.toUpperCase() })).toBe(101);
  });

  it("closes a revoked session's sockets with 1008 on every replica, and only those", async () => {
    const henry = await harness.account('user');
    const otherSession = await harness.account('user', henry.id);
    const ended = [await open(harness.wsUrl, henry), await open(replicaUrl, henry)];
    const kept = await open(replicaUrl, otherSession);
    const { publisher, close } = harness.revocations();
    try {
      await publisher.sessionRevoked({
        sessionId: henry.sessionId,
        userId: henry.id,
        at: new Date(),
      });
      for (const socket of ended) {
        expect(await socket.waitFor(() => socket.closeCode, 'the close')).toBe(1008);
        expect(socket.closeReason).toBe('session revoked');
      }
      // The other session's socket stays and still gets its pushes.
      await handled(tell(henry));
      await kept.waitForNotifications(1);
      expect(kept.closeCode).toBeUndefined();
      // A change of role closes the rest ("access changed": refresh the token and reconnect).
      await publisher.accessChanged({
        userId: henry.id,
        role: 'agent',
        tier: 5000,
        at: new Date(),
      });
      expect(await kept.waitFor(() => kept.closeCode, 'the close')).toBe(1008);
      expect(kept.closeReason).toBe('access changed');
      expect(await refusal(harness.wsUrl, henry)).toBe(401);
    } finally {
      await close();
    }
  });

  it('closes its sockets with 1001 when a replica shuts down; a resume elsewhere misses nothing', async () => {
    const ivy = await harness.account('user');
    const leaving = await harness.replica();
    const socket = await open(leaving.wsUrl, ivy);
    await handled(tell(ivy));
    const [seen] = await socket.waitForNotifications(1);
    await leaving.close();
    expect(await socket.waitFor(() => socket.closeCode, 'the close')).toBe(1001);
    const missed = tell(ivy, 3);
    await handled(missed);
    const resumed = await open(harness.wsUrl, ivy, { after: seen.id });
    await resumed.waitForNotifications(3);
    expect(resumed.ids()).toEqual(await storedAfter(ivy, seen.id));
  });

  it('answers ping with pong and every other frame with an error frame; the socket stays', async () => {
    const gina = await harness.account('user');
    const socket = await open(harness.wsUrl, gina);
    socket.send({ type: 'ping' });
    socket.send({ type: 'subscribe', topic: 'all' });
    socket.send({ type: 'ping', extra: 1 });
    socket.send('not json');
    socket.send({ type: 'ping' });
    await socket.waitFor(() => socket.frames.length >= 5 && socket.frames, 'five answers');
    expect(socket.frames).toEqual([
      { type: 'pong' },
      expect.objectContaining({ type: 'error', code: 'unknown_type' }),
      expect.objectContaining({ type: 'error', code: 'invalid_frame' }),
      expect.objectContaining({ type: 'error', code: 'malformed_json' }),
      { type: 'pong' },
    ]);
    expect(socket.closeCode).toBeUndefined();
  });
});
