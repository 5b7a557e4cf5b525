import { Inject, Injectable } from '@nestjs/common';
import type { Conversation } from '../../domain/conversation/conversation.aggregate';
import {
  CONVERSATION_REPOSITORY,
  type ConversationRepository,
} from '../../domain/conversation/conversation.repository.port';
import { parseConversationId, visibleConversation } from '../conversation-access';
import type { JoinChatQuery } from './join-chat.query';

/** May the caller open a live chat on this conversation? Its client and staff may; 404 otherwise. */
@Injectable()
export class JoinChatHandler {
  constructor(
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
  ) {}

  execute(query: JoinChatQuery): Promise<Conversation> {
    const id = parseConversationId(query.conversationId);
    return visibleConversation(this.conversations, id, query.caller);
  }
}
