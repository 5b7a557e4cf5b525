import { Inject, Injectable } from '@nestjs/common';
import { ValidationError, type Clock } from '@ajla/shared-kernel';
import {
  CONVERSATION_REPOSITORY,
  type ConversationRepository,
} from '../../domain/conversation/conversation.repository.port';
import { parseConversationId, visibleConversation } from '../conversation-access';
import { CHAT_NOTIFIER, type ChatNotifier } from '../ports/chat-notifier.port';
import { CLOCK } from '../ports/clock.port';
import type { MarkReadCommand } from './mark-read.command';

/**
 * A participant's read mark: the highest seq they have read. It never moves backwards; when it
 * moves, the other participants are told.
 */
@Injectable()
export class MarkReadHandler {
  constructor(
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
    @Inject(CHAT_NOTIFIER) private readonly notifier: ChatNotifier,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: MarkReadCommand): Promise<{ moved: boolean }> {
    const id = parseConversationId(command.conversationId);
    const conversation = await visibleConversation(this.conversations, id, command.caller);
    if (!conversation.hasSeq(command.seq)) {
      throw new ValidationError(
        `seq must be a message of this conversation (1..${conversation.lastSeq})`,
        'invalid_seq',
      );
    }
    const moved = await this.conversations.markRead(
      id,
      command.caller.id,
      command.seq,
      this.clock.now(),
    );
    if (moved) this.notifier.readMoved(id, command.caller.id, command.seq);
    return { moved };
  }
}
