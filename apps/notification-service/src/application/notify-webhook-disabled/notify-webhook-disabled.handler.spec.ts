import { InMemoryAccounts, InMemoryMailOutbox, InMemoryNotifications } from '../../../test/fakes';
import type { AccountRole } from '../../domain/account/account-role';
import type { UserId } from '../../domain/user-id';
import { NotifyWebhookDisabledHandler } from './notify-webhook-disabled.handler';
import { durationText } from './webhook-disabled-rule';

const ids: Record<string, [string, AccountRole]> = {
  client: ['0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a04', 'user'],
  agent: ['0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a05', 'agent'],
  admin: ['0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a06', 'admin'],
  otherAdmin: ['0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a07', 'admin'],
};

describe('NotifyWebhookDisabledHandler', () => {
  const setUp = async () => {
    const notifications = new InMemoryNotifications();
    const accounts = new InMemoryAccounts();
    for (const [id, role] of Object.values(ids)) accounts.roles.set(id as UserId, role);
    const mail = new InMemoryMailOutbox();
    return {
      handler: new NotifyWebhookDisabledHandler(notifications, accounts, mail),
      notifications,
      mail,
    };
  };

  const command = {
    eventId: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a10',
    webhookId: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a11',
    origin: 'https://hooks.example.com',
    failingSince: new Date('2026-11-17T10:00:00.000Z'),
    disabledAt: new Date('2026-11-22T10:30:00.000Z'),
  };

  it('tells every admin, and no agent or client, in the app and by mail', async () => {
    const { handler, mail } = await setUp();
    const stored = await handler.execute(command);
    expect(stored.map((n) => n.recipientId).sort()).toEqual([ids.admin[0], ids.otherAdmin[0]]);
    for (const notification of stored) {
      expect(notification).toMatchObject({
        type: 'webhook.disabled',
        title: 'A webhook was turned off',
        body: expect.stringContaining('https://hooks.example.com failed for 5 days'),
        data: { webhook_id: command.webhookId },
        createdAt: command.disabledAt,
      });
    }
    expect(mail.mailed).toEqual(stored);
  });

  it('tells nobody twice of one turning-off', async () => {
    const { handler, mail } = await setUp();
    await handler.execute(command);
    expect(await handler.execute(command)).toEqual([]);
    expect(mail.mailed).toHaveLength(2);
  });

  it('words a length of time in its largest whole unit', () => {
    expect(durationText(5 * 86_400_000 + 3_600_000)).toBe('5 days');
    expect(durationText(3_600_000)).toBe('1 hour');
    expect(durationText(150_000)).toBe('2 minutes');
    expect(durationText(1_500)).toBe('1 second');
    expect(durationText(0)).toBe('0 seconds');
  });
});
