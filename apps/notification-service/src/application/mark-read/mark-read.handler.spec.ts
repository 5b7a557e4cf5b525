import { NotFoundError } from '@ajla/shared-kernel';
import { InMemoryNotifications, fixedClock } from '../../../test/fakes';
import type { UserId } from '../../domain/user-id';
import { MarkReadHandler } from './mark-read.handler';

const owner = { id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a04' as UserId, role: 'user' as const };
const stranger = { id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a05' as UserId, role: 'agent' as const };

describe('MarkReadHandler', () => {
  const setUp = async () => {
    const notifications = new InMemoryNotifications();
    const [stored] = await notifications.addForEvent({
      eventId: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a09',
      type: 'request.status_changed',
      drafts: [{ recipientId: owner.id, title: 'Your request is fulfilled', body: '', data: {} }],
      createdAt: new Date('2026-11-22T10:00:00.000Z'),
    });
    return { notifications, id: stored.id };
  };

  it("marks the owner's notification read once, keeping the first time", async () => {
    const { notifications, id } = await setUp();
    const first = await new MarkReadHandler(
      notifications,
      fixedClock('2026-11-22T11:00:00.000Z'),
    ).execute({ caller: owner, notificationId: id.toUpperCase() });
    expect(first.readAt).toEqual(new Date('2026-11-22T11:00:00.000Z'));
    const again = await new MarkReadHandler(
      notifications,
      fixedClock('2026-11-22T12:00:00.000Z'),
    ).execute({ caller: owner, notificationId: id });
    expect(again.readAt).toEqual(new Date('2026-11-22T11:00:00.000Z'));
  });

  it("answers not found for someone else's notification, an unknown id and a malformed one", async () => {
    const { notifications, id } = await setUp();
    const handler = new MarkReadHandler(notifications, fixedClock());
    for (const [caller, notificationId] of [
      [stranger, id],
      [owner, '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a99'],
      [owner, 'read-all'],
    ] as const) {
      await expect(handler.execute({ caller, notificationId })).rejects.toThrow(NotFoundError);
    }
    expect(notifications.stored[0].readAt).toBeNull();
  });
});
