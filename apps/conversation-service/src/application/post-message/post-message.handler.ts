import { Inject, Injectable } from '@nestjs/common';
import { MessageContent, parseId, type Clock } from '@ajla/shared-kernel';
import {
  CONVERSATION_REPOSITORY,
  type ConversationRepository,
} from '../../domain/conversation/conversation.repository.port';
import {
  ClientIdTaken,
  MESSAGE_LOG,
  type MessageLog,
} from '../../domain/conversation/message-log.port';
import type { Message } from '../../domain/conversation/message.aggregate';
import type { ClientMessageId } from '../../domain/ids';
import { conversationNotFound, visibleConversation } from '../conversation-access';
import { CHAT_NOTIFIER, type ChatNotifier } from '../ports/chat-notifier.port';
import { CLOCK } from '../ports/clock.port';
import type { PostMessageCommand } from './post-message.command';

export interface PostedMessage {
  message: Message;
  /** False when the client id was used already: the message first created is the answer. */
  created: boolean;
}

/**
 * A participant writes in a conversation: the message is stored at the next seq with its
 * `message.created` event, then every open connection of the conversation is told (also on a
 * resend of a message stored already).
 */
@Injectable()
export class PostMessageHandler {
  constructor(
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
    @Inject(MESSAGE_LOG) private readonly messages: MessageLog,
    @Inject(CHAT_NOTIFIER) private readonly notifier: ChatNotifier,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: PostMessageCommand): Promise<PostedMessage> {
    const id = parseId<'ConversationId'>(command.conversationId, 'conversation_id');
    const content = MessageContent.create(command.content);
    const clientId =
      command.clientId === undefined || command.clientId === null
        ? null
        : (parseId<'ClientMessageId'>(command.clientId, 'client_id') as ClientMessageId);
    const loaded = command.conversation?.id === id ? command.conversation : undefined;
    const conversation =
      loaded ?? (await visibleConversation(this.conversations, id, command.caller));
    if (!conversation.isVisibleTo(command.caller)) throw conversationNotFound();

    // A resent client id is found by the insert itself (its unique index), which then stores
    // nothing and takes no seq: no look-up before every message for the rare resend.
    const draft = conversation.compose(command.caller, content, clientId, this.clock.now());
    let message: Message | undefined;
    try {
      // Atomic by itself (message, seq and event in one statement): no transaction around it.
      message = await this.messages.append(draft);
    } catch (error) {
      // The client id was used already (a resend, or the same message sent twice at once).
      if (!(error instanceof ClientIdTaken) || clientId === null) throw error;
      const first = await this.conversations.findByClientId(id, clientId);
      if (first === undefined) throw error;
      // Told again: the replica that stored it may have died before telling anyone (the sender
      // resends because it never got its ack). Connections that have it drop the copy by its seq.
      this.notifier.messageStored(first);
      return { message: first, created: false };
    }
    if (message === undefined) throw conversationNotFound();
    this.notifier.messageStored(message);
    return { message, created: true };
  }
}
