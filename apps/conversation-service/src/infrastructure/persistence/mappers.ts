import { isId } from '@ajla/shared-kernel';
import { Conversation } from '../../domain/conversation/conversation.aggregate';
import { Message } from '../../domain/conversation/message.aggregate';
import { SENDER_TYPES, type SenderType } from '../../domain/conversation/participant';
import type {
  ClientMessageId,
  ConversationId,
  MessageId,
  RequestId,
  UserId,
} from '../../domain/ids';
import { ConversationOrmEntity } from './conversation.orm-entity';
import { MessageOrmEntity } from './message.orm-entity';

/** A stored row that the domain cannot accept: a bug or a hand edit, never a client's fault. */
export class CorruptRowError extends Error {
  constructor(table: string, id: string, cause: unknown) {
    super(
      `corrupt row in ${table} (id ${id}): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'CorruptRowError';
  }
}

function uuidOf<T extends string>(value: string, column: string): T {
  if (!isId(value)) throw new Error(`${column} is not a UUID`);
  return value as T;
}

function seqOf(value: unknown, column: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${column} is not a valid seq`);
  return n;
}

export const ConversationMapper = {
  toDomain(row: ConversationOrmEntity): Conversation {
    try {
      return Conversation.restore(uuidOf<ConversationId>(row.id, 'id'), {
        requestId: uuidOf<RequestId>(row.requestId, 'request_id'),
        userId: uuidOf<UserId>(row.userId, 'user_id'),
        lastSeq: seqOf(row.lastSeq, 'last_seq', 0),
        createdAt: new Date(row.createdAt),
      });
    } catch (error) {
      throw new CorruptRowError('conversations', row.id, error);
    }
  },
};

/**
 * The columns of `messages` as `MessageMapper` reads them (the entity's property names): every
 * query that reads messages selects these, the append's included (its RETURNING).
 */
export const MESSAGE_COLUMNS = `id, conversation_id AS "conversationId", seq, sender_id AS "senderId",
  sender_type AS "senderType", content, client_id AS "clientId", created_at AS "createdAt"`;

export const MessageMapper = {
  toDomain(row: MessageOrmEntity): Message {
    try {
      if (!SENDER_TYPES.includes(row.senderType as SenderType)) {
        throw new Error(`unknown sender_type ${row.senderType}`);
      }
      if (typeof row.content !== 'string' || row.content.length === 0) {
        throw new Error('content is empty');
      }
      return Message.restore(uuidOf<MessageId>(row.id, 'id'), {
        conversationId: uuidOf<ConversationId>(row.conversationId, 'conversation_id'),
        seq: seqOf(row.seq, 'seq', 1),
        senderId: row.senderId === null ? null : uuidOf<UserId>(row.senderId, 'sender_id'),
        senderType: row.senderType as SenderType,
        content: row.content,
        clientId: row.clientId === null ? null : uuidOf<ClientMessageId>(row.clientId, 'client_id'),
        createdAt: new Date(row.createdAt),
      });
    } catch (error) {
      throw new CorruptRowError('messages', row.id, error);
    }
  },
};
