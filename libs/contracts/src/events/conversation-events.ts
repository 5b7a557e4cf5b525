import { z } from 'zod';
import { text, utcTime, uuid } from '../common';

export const MESSAGE_SENDER_TYPES = ['user', 'admin', 'system'] as const;
export type MessageSenderType = (typeof MESSAGE_SENDER_TYPES)[number];

/** `conversation.started` v1: the conversation of a request exists (its first message with it). */
export const ConversationStartedV1 = z
  .object({
    conversation_id: uuid(),
    request_id: uuid(),
    /** The client whose request it is. */
    user_id: uuid(),
    created_at: utcTime(),
  })
  .meta({
    description: 'The conversation of a request exists (its first message with it).',
  });
export type ConversationStartedV1 = z.infer<typeof ConversationStartedV1>;

/**
 * `message.created` v1: a message was stored in a conversation. `seq` is its place (1, 2, 3, ...
 * with no gaps); `user_id` is the conversation's client, so a consumer knows whom to tell.
 * `content` is at most 4000 characters, except the opening message (seq 1), which carries the
 * request's description whole (up to 5000).
 */
export const MessageCreatedV1 = z
  .object({
    message_id: uuid(),
    conversation_id: uuid(),
    request_id: uuid(),
    user_id: uuid(),
    seq: z.int().min(1),
    sender_id: uuid().nullable(),
    sender_type: z.enum(MESSAGE_SENDER_TYPES),
    content: text(1, 5000),
    client_id: uuid().nullable(),
    created_at: utcTime(),
  })
  .meta({
    description:
      "A message was stored in a conversation. `seq` is its place (1, 2, 3, ... with no gaps); `user_id` is the conversation's client, so a consumer knows whom to tell. `content` is at most 4000 characters, except the opening message (seq 1), which carries the request's description whole (up to 5000).",
  });
export type MessageCreatedV1 = z.infer<typeof MessageCreatedV1>;
