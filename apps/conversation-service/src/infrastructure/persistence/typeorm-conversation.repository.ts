import { Injectable } from '@nestjs/common';
import { TypeOrmUnitOfWork } from '@ajla/platform';
import type { Conversation } from '../../domain/conversation/conversation.aggregate';
import {
  ClientIdTaken,
  RequestHasConversation,
  type ConversationRepository,
} from '../../domain/conversation/conversation.repository.port';
import { Message, type MessageDraft } from '../../domain/conversation/message.aggregate';
import type { ClientMessageId, ConversationId, UserId } from '../../domain/ids';
import { ConversationOrmEntity } from './conversation.orm-entity';
import { ConversationMapper, MessageMapper } from './mappers';
import { MessageOrmEntity } from './message.orm-entity';

const CLIENT_ID_CONSTRAINT = 'messages_conversation_id_client_id_key';
const REQUEST_ID_CONSTRAINT = 'conversations_request_id_key';

const MESSAGE_COLUMNS = `id, conversation_id AS "conversationId", seq, sender_id AS "senderId",
  sender_type AS "senderType", content, client_id AS "clientId", created_at AS "createdAt"`;

/**
 * Conversations and their messages in the `conversations` schema. The hot path, appending a
 * message, is one statement: it bumps the conversation's counter (taking its row lock until the
 * commit, so writers of one conversation go one after the other and seqs have no gaps) and inserts
 * the message at the new seq.
 */
@Injectable()
export class TypeOrmConversationRepository implements ConversationRepository {
  constructor(private readonly unitOfWork: TypeOrmUnitOfWork) {}

  async findById(id: ConversationId): Promise<Conversation | undefined> {
    const row = await this.unitOfWork.manager.findOneBy(ConversationOrmEntity, { id });
    return row === null ? undefined : ConversationMapper.toDomain(row);
  }

  async start(conversation: Conversation, opening: Message): Promise<boolean> {
    return this.unitOfWork.run(async () => {
      const manager = this.unitOfWork.manager;
      const inserted: unknown[] = await manager
        .query(
          `INSERT INTO conversations (id, request_id, user_id, last_seq, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING
         RETURNING id`,
          [
            conversation.id,
            conversation.requestId,
            conversation.userId,
            conversation.lastSeq,
            conversation.createdAt,
          ],
        )
        .catch((error: unknown) => {
          if (constraintOf(error) === REQUEST_ID_CONSTRAINT) {
            throw new RequestHasConversation(conversation.requestId);
          }
          throw error;
        });
      if (inserted.length === 0) return false;
      await manager.query(
        `INSERT INTO messages (id, conversation_id, seq, sender_id, sender_type, content, client_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          opening.id,
          opening.conversationId,
          opening.seq,
          opening.senderId,
          opening.senderType,
          opening.content,
          opening.clientId,
          opening.createdAt,
        ],
      );
      this.unitOfWork.track(conversation);
      this.unitOfWork.track(opening);
      return true;
    });
  }

  async appendMessage(draft: MessageDraft): Promise<Message | undefined> {
    return this.unitOfWork.run(async () => {
      let rows: { seq: number }[];
      try {
        rows = await this.unitOfWork.manager.query(
          `WITH counter AS (
             UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq
           )
           INSERT INTO messages (id, conversation_id, seq, sender_id, sender_type, content, client_id, created_at)
           SELECT $2, $1, counter.last_seq, $3, $4, $5, $6, $7 FROM counter
           RETURNING seq`,
          [
            draft.conversationId,
            draft.id,
            draft.senderId,
            draft.senderType,
            draft.content,
            draft.clientId,
            draft.createdAt,
          ],
        );
      } catch (error) {
        if (constraintOf(error) === CLIENT_ID_CONSTRAINT && draft.clientId !== null) {
          throw new ClientIdTaken(draft.clientId);
        }
        throw error;
      }
      const row = rows[0];
      if (row === undefined) return undefined;
      const message = Message.create(draft, Number(row.seq));
      this.unitOfWork.track(message);
      return message;
    });
  }

  async findByClientId(
    id: ConversationId,
    clientId: ClientMessageId,
  ): Promise<Message | undefined> {
    const row = await this.unitOfWork.manager.findOneBy(MessageOrmEntity, {
      conversationId: id,
      clientId,
    });
    return row === null ? undefined : MessageMapper.toDomain(row);
  }

  async messagesAfter(id: ConversationId, afterSeq: number, limit: number): Promise<Message[]> {
    const rows: MessageOrmEntity[] = await this.unitOfWork.manager.query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages
       WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [id, afterSeq, limit],
    );
    return rows.map((row) => MessageMapper.toDomain(row));
  }

  async markRead(id: ConversationId, userId: UserId, seq: number, now: Date): Promise<boolean> {
    const rows: unknown[] = await this.unitOfWork.manager.query(
      `INSERT INTO read_states AS r (conversation_id, user_id, last_read_seq, updated_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (conversation_id, user_id) DO UPDATE
         SET last_read_seq = EXCLUDED.last_read_seq, updated_at = EXCLUDED.updated_at
         WHERE r.last_read_seq < EXCLUDED.last_read_seq
       RETURNING last_read_seq`,
      [id, userId, seq, now],
    );
    return rows.length > 0;
  }
}

function constraintOf(error: unknown): string | undefined {
  const e = error as { constraint?: string; driverError?: { constraint?: string } };
  return e?.driverError?.constraint ?? e?.constraint;
}
