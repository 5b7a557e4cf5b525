import { createEnvelope } from '@ajla/contracts';
import { newId } from '@ajla/shared-kernel';
import { clientMessageEvent, submittedEvent } from '../../../test/events';
import type { WebhookDeliveries } from '../webhooks/webhook-deliveries';
import { ActivityEventFilter } from './activity-event-filter';

describe('ActivityEventFilter', () => {
  const filter = (webhooksMayWant: boolean) =>
    new ActivityEventFilter({
      mayWant: () => webhooksMayWant,
    } as unknown as WebhookDeliveries);
  const staffReply = () => {
    const clientId = newId();
    return createEnvelope(
      'message.created',
      {
        ...clientMessageEvent(clientId).data,
        sender_id: newId(),
        sender_type: 'admin',
      },
      { producer: 'conversation-service' },
    );
  };

  it("skips a client's or the system's message when no webhook may want it", () => {
    const system = clientMessageEvent();
    const systemMessage = createEnvelope(
      'message.created',
      { ...system.data, sender_id: null, sender_type: 'system' },
      { producer: 'conversation-service' },
    );
    expect(filter(false).handles(clientMessageEvent())).toBe(false);
    expect(filter(false).handles(systemMessage)).toBe(false);
  });

  it('handles a staff reply (it tells the client), and any message a webhook may want', () => {
    expect(filter(false).handles(staffReply())).toBe(true);
    expect(filter(true).handles(clientMessageEvent())).toBe(true);
  });

  it('handles every event that is not a message', () => {
    expect(filter(false).handles(submittedEvent())).toBe(true);
  });
});
