import { Inject, Injectable } from '@nestjs/common';
import type { Conversation } from '../../domain/conversation/conversation.aggregate';
import {
  CONVERSATION_REPOSITORY,
  type ConversationRepository,
} from '../../domain/conversation/conversation.repository.port';
import type { Message } from '../../domain/conversation/message.aggregate';
import { parseConversationId, visibleConversation } from '../conversation-access';
import type { GetConversationQuery } from './get-conversation.query';

export const MAX_PAGE_LIMIT = 200;
export const DEFAULT_PAGE_LIMIT = 50;

export interface ConversationPage {
  conversation: Conversation;
  messages: Message[];
  hasMore: boolean;
}

/** A conversation with a page of its messages, in seq order, for its client or staff. */
@Injectable()
export class GetConversationHandler {
  constructor(
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
  ) {}

  async execute(query: GetConversationQuery): Promise<ConversationPage> {
    const id = parseConversationId(query.conversationId);
    const conversation = await visibleConversation(this.conversations, id, query.caller);
    const rows = await this.conversations.messagesAfter(id, query.afterSeq, query.limit + 1);
    return {
      conversation,
      messages: rows.slice(0, query.limit),
      hasMore: rows.length > query.limit,
    };
  }
}
