// Tiny in-memory stand-ins for the ports, for domain and handler specs.
import { newId, type DomainEvent } from '@ajla/shared-kernel';
import type { ChatNotifier } from '../src/application/ports/chat-notifier.port';
import type { Caller } from '../src/application/ports/caller';
import { Conversation } from '../src/domain/conversation/conversation.aggregate';
import {
  RequestHasConversation,
  type ConversationRepository,
} from '../src/domain/conversation/conversation.repository.port';
import { ClientIdTaken, type MessageLog } from '../src/domain/conversation/message-log.port';
import { Message, type MessageDraft } from '../src/domain/conversation/message.aggregate';
import { OpeningText } from '../src/domain/conversation/opening-text.value-object';
import type {
  UnreadCount,
  UnreadCounts,
  UnreadScope,
} from '../src/domain/conversation/unread-counts.port';
import type { AccountRole } from '../src/domain/conversation/participant';
import type {
  ClientMessageId,
  ConversationId,
  MessageId,
  RequestId,
  UserId,
} from '../src/domain/ids';

export { FixedClock, immediateUnitOfWork } from '@ajla/testing';

/**
 * Conversations and messages in memory, with the repository's and the message log's rules: seq
 * from the counter, one conversation per id and per request, one message per client id; the
 * events of what is stored land in `outbox`.
 */
export class InMemoryConversations implements ConversationRepository, MessageLog, UnreadCounts {
  private readonly conversations = new Map<string, Conversation>();
  private readonly messages = new Map<string, Message[]>();
  readonly reads = new Map<string, number>();
  readonly outbox: DomainEvent[] = [];

  async findById(id: ConversationId): Promise<Conversation | undefined> {
    const c = this.conversations.get(id);
    return c && copyConversation(c);
  }

  async start(conversation: Conversation, opening: Message): Promise<boolean> {
    if (this.conversations.has(conversation.id)) return false;
    for (const c of this.conversations.values()) {
      if (c.requestId === conversation.requestId) {
        throw new RequestHasConversation(conversation.requestId);
      }
    }
    this.conversations.set(conversation.id, conversation);
    this.messages.set(conversation.id, [opening]);
    this.outbox.push(...conversation.pullEvents(), ...opening.pullEvents());
    return true;
  }

  async append(draft: MessageDraft): Promise<Message | undefined> {
    const conversation = this.conversations.get(draft.conversationId);
    if (conversation === undefined) return undefined;
    const stored = this.messages.get(draft.conversationId)!;
    if (draft.clientId !== null && stored.some((m) => m.clientId === draft.clientId)) {
      throw new ClientIdTaken(draft.clientId);
    }
    const seq = conversation.lastSeq + 1;
    this.conversations.set(conversation.id, copyConversation(conversation, seq));
    const message = Message.create(draft, seq);
    this.outbox.push(...message.pullEvents());
    stored.push(message);
    return message;
  }

  async findByClientId(
    id: ConversationId,
    clientId: ClientMessageId,
  ): Promise<Message | undefined> {
    return this.messages.get(id)?.find((m) => m.clientId === clientId);
  }

  async messagesAfter(id: ConversationId, afterSeq: number, limit: number): Promise<Message[]> {
    return (this.messages.get(id) ?? []).filter((m) => m.seq > afterSeq).slice(0, limit);
  }

  async messagesBefore(
    id: ConversationId,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<Message[]> {
    return (this.messages.get(id) ?? [])
      .filter((m) => beforeSeq === undefined || m.seq < beforeSeq)
      .reverse()
      .slice(0, limit);
  }

  async markRead(id: ConversationId, userId: UserId, seq: number): Promise<boolean> {
    const key = `${id}:${userId}`;
    if ((this.reads.get(key) ?? 0) >= seq) return false;
    this.reads.set(key, seq);
    return true;
  }

  async unreadCounts(ids: readonly ConversationId[], scope: UnreadScope): Promise<UnreadCount[]> {
    return ids.flatMap((id) => {
      const conversation = this.conversations.get(id);
      if (!conversation) return [];
      if (scope.clientOnly !== null && conversation.userId !== scope.clientOnly) return [];
      const readSeq = this.reads.get(`${id}:${scope.reader}`) ?? 0;
      const unread = (this.messages.get(id) ?? []).filter(
        (m) => m.seq > readSeq && m.senderId !== scope.reader,
      ).length;
      return [{ conversationId: id, unread, lastSeq: conversation.lastSeq, readSeq }];
    });
  }
}

function copyConversation(c: Conversation, lastSeq = c.lastSeq): Conversation {
  return Conversation.restore(c.id, {
    requestId: c.requestId,
    userId: c.userId,
    lastSeq,
    createdAt: c.createdAt,
  });
}

/** What the chat notifier was told. */
export class RecordingNotifier implements ChatNotifier {
  readonly messages: Message[] = [];
  readonly reads: { conversationId: ConversationId; userId: UserId; seq: number }[] = [];
  messageStored(message: Message): void {
    this.messages.push(message);
  }
  readMoved(conversationId: ConversationId, userId: UserId, seq: number): void {
    this.reads.push({ conversationId, userId, seq });
  }
}

export const aUserId = (): UserId => newId<'UserId'>() as UserId;

export function aCaller(role: AccountRole = 'user', id: UserId = aUserId()): Caller {
  return { id, role };
}

/** Object mother: a stored conversation of `client`, with its opening message. */
export async function aStoredConversation(
  conversations: InMemoryConversations,
  client: UserId,
  description = 'A table for two',
): Promise<Conversation> {
  const { conversation, opening } = Conversation.start({
    id: newId<'ConversationId'>() as ConversationId,
    requestId: newId<'RequestId'>() as RequestId,
    userId: client,
    description: OpeningText.create(description),
    createdAt: new Date('2025-01-01T00:00:00.000Z'),
  });
  await conversations.start(conversation, opening);
  conversations.outbox.length = 0;
  return conversation;
}

export const aMessageId = (): MessageId => newId<'MessageId'>() as MessageId;
