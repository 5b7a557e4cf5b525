import type { StaffMember } from '../../domain/account/account-directory.port';
import type { NotificationDraft } from '../../domain/notification/notification';
import type { NotifyWebhookDisabledCommand } from './notify-webhook-disabled.command';

/** The type of the notification (no routing key: the service itself is the source). */
export const WEBHOOK_DISABLED = 'webhook.disabled';

/**
 * Every admin hears that a webhook was turned off: only admins manage webhooks, and nobody
 * acted (the service did), so nobody is left out as the actor. Agents are not told.
 */
export function webhookDisabledDrafts(
  command: NotifyWebhookDisabledCommand,
  staff: readonly StaffMember[],
): NotificationDraft[] {
  const failedFor = durationText(command.disabledAt.getTime() - command.failingSince.getTime());
  return staff
    .filter((member) => member.role === 'admin')
    .map((member) => ({
      recipientId: member.userId,
      title: 'A webhook was turned off',
      body:
        `Every delivery to ${command.origin} failed for ${failedFor}, so it gets no more ` +
        'events until an admin turns it on again.',
      data: { webhook_id: command.webhookId },
    }));
}

/** A length of time in words, in its largest whole unit: "5 days", "1 hour", "40 seconds". */
export function durationText(ms: number): string {
  const units: [string, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ];
  for (const [name, size] of units) {
    const count = Math.floor(ms / size);
    if (count >= 1) return `${count} ${name}${count === 1 ? '' : 's'}`;
  }
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}
