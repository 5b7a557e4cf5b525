import type {
  MessageCreatedV1,
  RequestAssignedV1,
  RequestStatusChangedV1,
  RequestSubmittedV1,
} from '@ajla/contracts';
import type { NotificationDraft } from '../../domain/notification/notification';
import type { UserId } from '../../domain/user-id';

// The rule behind every function here: nobody is told of their own action. Each event names who
// acted (the submitter, `assigned_by`, `changed_by`, the sender), and that person is never among
// its recipients.

/** How much of a description or message a notification quotes. */
export const EXCERPT_LENGTH = 140;

/** Every agent and admin hears of a new request, except a staff member who submitted it. */
export function requestSubmittedDrafts(
  data: RequestSubmittedV1,
  staff: readonly UserId[],
): NotificationDraft[] {
  return staff
    .filter((recipientId) => recipientId !== data.user_id)
    .map((recipientId) => ({
      recipientId,
      title: `New ${data.type} request`,
      body: excerpt(data.description),
      data: { request_id: data.request_id, conversation_id: data.conversation_id },
    }));
}

/** The assignee hears that the request is theirs now, unless they took it themselves. */
export function requestAssignedDrafts(data: RequestAssignedV1): NotificationDraft[] {
  if (data.assigned_by === data.assignee_id) return [];
  return [
    {
      recipientId: data.assignee_id as UserId,
      title: 'A request was assigned to you',
      body:
        data.previous_assignee_id === null
          ? 'A client is waiting for your reply.'
          : 'It was handed over to you from a colleague.',
      data: { request_id: data.request_id, conversation_id: data.conversation_id },
    },
  ];
}

const STATUS_TITLES: Record<RequestStatusChangedV1['to'], string> = {
  new: 'Your request is open again',
  assigned: 'Your request has a concierge',
  in_progress: 'Your request is now in progress',
  fulfilled: 'Your request is fulfilled',
  cancelled: 'Your request was cancelled',
};

const STATUS_BODIES: Record<RequestStatusChangedV1['to'], string> = {
  new: 'It is waiting for a concierge.',
  assigned: 'A concierge will take care of it.',
  in_progress: 'Your concierge is working on it.',
  fulfilled: 'Everything is arranged. Thank you for using AJLA.',
  cancelled: 'Nothing more will be done for it.',
};

/** The client hears of every move of their request but their own (cancelling it). */
export function requestStatusChangedDrafts(data: RequestStatusChangedV1): NotificationDraft[] {
  if (data.changed_by === data.user_id) return [];
  return [
    {
      recipientId: data.user_id as UserId,
      title: STATUS_TITLES[data.to],
      body: STATUS_BODIES[data.to],
      data: {
        request_id: data.request_id,
        conversation_id: data.conversation_id,
        status: data.to,
      },
    },
  ];
}

/**
 * The client hears of a staff reply in their conversation. Their own messages and system messages
 * tell nobody, and the sender is never told of their own message.
 */
export function messageCreatedDrafts(data: MessageCreatedV1): NotificationDraft[] {
  if (data.sender_type !== 'admin' || data.sender_id === data.user_id) return [];
  return [
    {
      recipientId: data.user_id as UserId,
      title: 'New reply from your concierge',
      body: excerpt(data.content),
      data: {
        request_id: data.request_id,
        conversation_id: data.conversation_id,
        message_id: data.message_id,
        seq: data.seq,
      },
    },
  ];
}

/** The start of a text on one line, cut at a whole character with an ellipsis. */
export function excerpt(text: string, length = EXCERPT_LENGTH): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  const characters = Array.from(oneLine);
  if (characters.length <= length) return oneLine;
  return `${characters
    .slice(0, length - 1)
    .join('')
    .trimEnd()}…`;
}
