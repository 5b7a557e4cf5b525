import type { Id } from '@ajla/shared-kernel';

export type RequestId = Id<'RequestId'>;

/** The conversation of a request, chosen when it is submitted (conversation-service creates it). */
export type ConversationId = Id<'ConversationId'>;
