import type { Id } from '@ajla/shared-kernel';

export type ConversationId = Id<'ConversationId'>;
export type MessageId = Id<'MessageId'>;
/** The request of request-service a conversation belongs to (no foreign key across schemas). */
export type RequestId = Id<'RequestId'>;
/** An account of user-service: the client of a conversation, or a staff member. */
export type UserId = Id<'UserId'>;
/** The id a sender chooses for a message, so that sending it again creates nothing new. */
export type ClientMessageId = Id<'ClientMessageId'>;
