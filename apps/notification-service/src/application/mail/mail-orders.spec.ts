import type { Notification, NotificationId } from '../../domain/notification/notification';
import type { UserId } from '../../domain/user-id';
import { mailOrdersOf } from './mail-orders';

const at = new Date('2026-11-22T10:00:00.000Z');
const client = '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a02' as UserId;

const notification = (type: string, data: Notification['data']): Notification => ({
  id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a01' as NotificationId,
  recipientId: client,
  eventId: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a03',
  type,
  title: 't',
  body: 'b',
  data,
  readAt: null,
  seq: 1,
  createdAt: at,
});

describe('mailOrdersOf', () => {
  it('mails a request notification at once', () => {
    expect(
      mailOrdersOf([notification('request.status_changed', { request_id: 'r' })], 120_000),
    ).toEqual([
      {
        kind: 'notification',
        recipientId: client,
        notificationId: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a01',
        dueAt: at,
      },
    ]);
  });

  it('gathers a staff reply into its conversation digest, due after the delay', () => {
    expect(
      mailOrdersOf([notification('message.created', { conversation_id: 'c1', seq: 2 })], 120_000),
    ).toEqual([
      {
        kind: 'digest',
        recipientId: client,
        conversationId: 'c1',
        since: at,
        dueAt: new Date('2026-11-22T10:02:00.000Z'),
      },
    ]);
  });

  it('gathers a new request into the new-requests digest of a staff member, due after the delay', () => {
    expect(
      mailOrdersOf(
        [notification('request.submitted', { request_id: 'r', conversation_id: 'c1' })],
        120_000,
      ),
    ).toEqual([
      {
        kind: 'new_requests',
        recipientId: client,
        since: at,
        dueAt: new Date('2026-11-22T10:02:00.000Z'),
      },
    ]);
  });

  it('gives one order per notification, in their order', () => {
    const orders = mailOrdersOf(
      [
        notification('request.submitted', { request_id: 'r' }),
        notification('request.assigned', { request_id: 'r' }),
        notification('message.created', { conversation_id: 'c1' }),
      ],
      1000,
    );
    expect(orders.map((order) => order.kind)).toEqual(['new_requests', 'notification', 'digest']);
  });
});
