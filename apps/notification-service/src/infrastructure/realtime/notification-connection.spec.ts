import { Logger } from '@nestjs/common';
import type { AuthenticatedUser } from '@ajla/auth';
import { WebSocket } from 'ws';
import type { Notification } from '../../domain/notification/notification';
import type { UserId } from '../../domain/user-id';
import { InMemoryNotifications } from '../../../test/fakes';
import { CATCH_UP_PAGE, NotificationConnection } from './notification-connection';
import { notificationFrame, type NotificationHub, type NotificationPeer } from './notification-hub';

const RECIPIENT = '01900000-0000-7000-8000-000000000001' as UserId;

/** A socket that keeps what was sent. */
function fakeSocket() {
  const sent: string[] = [];
  const ws = { readyState: WebSocket.OPEN, send: (frame: string) => sent.push(frame) };
  return {
    ws: ws as unknown as WebSocket,
    ids: () => sent.map((f) => JSON.parse(f).notification.id),
  };
}

/** A hub that hands each push straight to the peers that joined (no Redis). */
function fakeHub() {
  const peers = new Set<NotificationPeer>();
  return {
    peers,
    hub: {
      join: async (_recipient: UserId, peer: NotificationPeer) => void peers.add(peer),
      leave: (_recipient: UserId, peer: NotificationPeer) => void peers.delete(peer),
    } as unknown as NotificationHub,
    push: (notification: Notification) => {
      for (const peer of peers) peer.offer(notificationFrame(notification));
    },
  };
}

describe('NotificationConnection', () => {
  let store: InMemoryNotifications;

  const add = async (n = 1) => {
    const added: Notification[] = [];
    for (let i = 0; i < n; i++) {
      added.push(
        ...(await store.addForEvent({
          eventId: `01900000-0000-7000-8000-${String(store.stored.length + 1).padStart(12, '0')}`,
          type: 'request.status_changed',
          drafts: [{ recipientId: RECIPIENT, title: 't', body: 'b', data: {} }],
          createdAt: new Date('2026-11-22T10:00:00Z'),
        })),
      );
    }
    return added;
  };

  const connection = (ws: WebSocket, hub: NotificationHub, afterSeq: number) =>
    new NotificationConnection(
      ws,
      {
        caller: { id: RECIPIENT, role: 'user' },
        token: {} as AuthenticatedUser,
        afterSeq,
      },
      { hub, notifications: store, logger: new Logger('test') },
    );

  /** A socket started as the handshake starts one without `after`: at the latest seq. */
  const connectionFromNow = async (ws: WebSocket, hub: NotificationHub) =>
    connection(ws, hub, await store.lastSeq(RECIPIENT));

  const settle = () => new Promise((resolve) => setImmediate(resolve));

  beforeEach(() => {
    store = new InMemoryNotifications();
  });

  it('without after: only what is pushed once it is live', async () => {
    const [old] = await add();
    const { ws, ids } = fakeSocket();
    const { hub, push } = fakeHub();
    await (await connectionFromNow(ws, hub)).start();
    const [fresh] = await add();
    push(fresh);
    expect(ids()).toEqual([fresh.id]);
    expect(ids()).not.toContain(old.id);
  });

  it('with after: what was stored after it, over several pages, then live pushes; none twice', async () => {
    const [seen] = await add();
    const missed = await add(CATCH_UP_PAGE + 5);
    const { ws, ids } = fakeSocket();
    const { hub, push } = fakeHub();
    const socket = connection(ws, hub, seen.seq);
    // Pushes of what the resume will also read, arriving while it reads: held, then dropped.
    const reading = store.listAfter.bind(store);
    let pushedDuring: Notification[] = [];
    store.listAfter = async (recipientId, afterSeq, limit) => {
      const page = await reading(recipientId, afterSeq, limit);
      if (pushedDuring.length === 0) {
        pushedDuring = await add(2);
        for (const n of [...pushedDuring, missed[0]]) push(n);
      }
      return page;
    };
    await socket.start();
    const [live] = await add();
    push(live);
    push(pushedDuring[0]); // a late second publish of one already sent: dropped
    expect(ids()).toEqual([...missed, ...pushedDuring, live].map((n) => n.id));
  });

  it('sends live pushes in seq order when they arrive in another (two replicas publish apart)', async () => {
    const { ws, ids } = fakeSocket();
    const { hub, push } = fakeHub();
    await (await connectionFromNow(ws, hub)).start();
    const [a, b, c] = await add(3);
    push(c);
    push(b);
    await settle();
    push(a);
    await settle();
    expect(ids()).toEqual([a, b, c].map((n) => n.id));
  });

  it('reads a push that never came from the database once a later one reveals the gap', async () => {
    const { ws, ids } = fakeSocket();
    const { hub, push } = fakeHub();
    await (await connectionFromNow(ws, hub)).start();
    const [lost, next] = await add(2); // the first one's publish is lost (Redis away)
    push(next);
    await settle();
    await settle();
    expect(ids()).toEqual([lost, next].map((n) => n.id));
    push(lost); // a late copy: already sent
    expect(ids()).toEqual([lost, next].map((n) => n.id));
  });

  it('stops: leaves the hub and sends nothing more', async () => {
    const { ws, ids } = fakeSocket();
    const { hub, push, peers } = fakeHub();
    const socket = await connectionFromNow(ws, hub);
    await socket.start();
    socket.stop();
    expect(peers.size).toBe(0);
    const [later] = await add();
    socket.offer(notificationFrame(later));
    push(later);
    expect(ids()).toEqual([]);
  });
});
