import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, ForbiddenError, parseId, ValidationError } from '@ajla/shared-kernel';
import { Conversation } from '../../domain/conversation/conversation.aggregate';
import {
  CONVERSATION_REPOSITORY,
  RequestHasConversation,
  type ConversationRepository,
} from '../../domain/conversation/conversation.repository.port';
import { OpeningText } from '../../domain/conversation/opening-text.value-object';
import { isStaffRole } from '../../domain/conversation/participant';
import type { ConversationId, RequestId, UserId } from '../../domain/ids';
import type { StartConversationCommand } from './start-conversation.command';

export interface StartedConversation {
  conversation: Conversation;
  /** False when it existed already (the other path, or a retry, was first). */
  created: boolean;
}

/**
 * Opens the conversation of a submitted request, exactly once: request-service calls it right
 * after the submission, and the `request.submitted` event calls it again later (or first, when
 * the call failed). Whichever comes second changes nothing.
 */
@Injectable()
export class StartConversationHandler {
  constructor(
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
  ) {}

  async execute(command: StartConversationCommand): Promise<StartedConversation> {
    const id = parseId<'ConversationId'>(command.conversationId, 'conversation id');
    const requestId = parseId<'RequestId'>(command.requestId, 'request_id') as RequestId;
    const userId = parseId<'UserId'>(command.userId, 'user_id') as UserId;
    const caller = command.requestedBy;
    if (caller !== undefined && !isStaffRole(caller.role) && caller.id !== userId) {
      throw new ForbiddenError(
        "only the request's client or staff may open its conversation",
        'not_your_request',
      );
    }
    const createdAt = new Date(command.createdAt);
    if (Number.isNaN(createdAt.getTime())) {
      throw new ValidationError('created_at must be an ISO-8601 time', 'invalid_time');
    }
    const { conversation, opening } = Conversation.start({
      id: id as ConversationId,
      requestId,
      userId,
      description: OpeningText.create(command.description),
      createdAt,
    });
    let created: boolean;
    try {
      // Atomic on its own (one statement), or part of the consumer's transaction.
      created = await this.conversations.start(conversation, opening);
    } catch (error) {
      if (error instanceof RequestHasConversation) throw conversationMismatch();
      throw error;
    }
    if (created) return { conversation, created };

    const existing = await this.conversations.findById(conversation.id);
    if (existing === undefined) throw new Error(`conversation ${conversation.id} vanished`);
    if (existing.requestId !== requestId || existing.userId !== userId) {
      throw conversationMismatch();
    }
    return { conversation: existing, created: false };
  }
}

function conversationMismatch(): ConflictError {
  return new ConflictError(
    'the conversation id or the request belongs to another conversation',
    'conversation_mismatch',
  );
}
