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
  /** Ascending seq. */
  messages: Message[];
  /**
   * Paging forward (`after`): more messages follow the last one of the page. Paging backward
   * (`before`, `latest`): older messages precede the first one of the page.
   */
  hasMore: boolean;
  /** The seq of the conversation's newest message when it was read (0: none). */
  lastSeq: number;
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
    const { window, limit } = query;
    let messages: Message[];
    let hasMore: boolean;
    if (window.kind === 'after') {
      const rows = await this.conversations.messagesAfter(id, window.seq, limit + 1);
      messages = rows.slice(0, limit);
      hasMore = rows.length > limit;
    } else {
      // One more than asked, newest first: the extra one says older messages exist.
      const before = window.kind === 'before' ? window.seq : undefined;
      const rows = await this.conversations.messagesBefore(id, before, limit + 1);
      hasMore = rows.length > limit;
      messages = rows.slice(0, limit).reverse();
    }
    const newestOfPage = messages.length > 0 ? messages[messages.length - 1]!.seq : 0;
    return {
      conversation,
      messages,
      hasMore,
      lastSeq: Math.max(conversation.lastSeq, newestOfPage),
    };
  }
}
