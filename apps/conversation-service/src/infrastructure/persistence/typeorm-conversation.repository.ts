import { Injectable } from '@nestjs/common';
import { OutboxUnitOfWork } from '@ajla/messaging';
import { PreparedStatement } from '@ajla/platform';
import type { Conversation } from '../../domain/conversation/conversation.aggregate';
import {
  RequestHasConversation,
  type ConversationRepository,
} from '../../domain/conversation/conversation.repository.port';
import type { Message } from '../../domain/conversation/message.aggregate';
import type { ClientMessageId, ConversationId, UserId } from '../../domain/ids';
import { ConversationOrmEntity } from './conversation.orm-entity';
import { constraintOf } from './constraint-violation';
import { ConversationMapper, MESSAGE_COLUMNS, MessageMapper } from './mappers';
import { MessageOrmEntity } from './message.orm-entity';

const REQUEST_ID_CONSTRAINT = 'conversations_request_id_key';

// The reads of every conversation page, prepared once per connection (planning a statement of a
// few rows costs Postgres about as much as running it; TypeORM's `findOneBy` adds its query builder).
const CONVERSATION_BY_ID = new PreparedStatement<ConversationOrmEntity>(
  'conversation_by_id',
  `SELECT id, request_id AS "requestId", user_id AS "userId", last_seq AS "lastSeq",
     created_at AS "createdAt"
   FROM conversations WHERE id = $1`,
);
const MESSAGES_AFTER = new PreparedStatement<MessageOrmEntity>(
  'messages_after',
  `SELECT ${MESSAGE_COLUMNS} FROM messages
   WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
);
// A backward scan of (conversation_id, seq) stopping after `limit` rows: no sort of the
// conversation, however long.
const LATEST_MESSAGES = new PreparedStatement<MessageOrmEntity>(
  'latest_messages',
  `SELECT ${MESSAGE_COLUMNS} FROM messages
   WHERE conversation_id = $1 ORDER BY seq DESC LIMIT $2`,
);
const MESSAGES_BEFORE = new PreparedStatement<MessageOrmEntity>(
  'messages_before',
  `SELECT ${MESSAGE_COLUMNS} FROM messages
   WHERE conversation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
);

/**
 * Conversations, their messages and read marks in the `conversations` schema, through the unit
 * of work's transaction when there is one. Appending a chat message is the message log's
 * (`message-log/`).
 */
@Injectable()
export class TypeOrmConversationRepository implements ConversationRepository {
  constructor(private readonly unitOfWork: OutboxUnitOfWork) {}

  async findById(id: ConversationId): Promise<Conversation | undefined> {
    const [row] = await CONVERSATION_BY_ID.run(this.unitOfWork.manager, [id]);
    return row === undefined ? undefined : ConversationMapper.toDomain(row);
  }

  /**
   * One statement (`writeInOneStatement`): the conversation, its opening message and their events,
   * autocommitted (one round trip, one commit) when request-service's call starts it, in the
   * consumer's transaction when `request.submitted` does.
   */
  async start(conversation: Conversation, opening: Message): Promise<boolean> {
    const written = await this.unitOfWork
      .writeInOneStatement(
        {
          with: `started AS (
              INSERT INTO conversations (id, request_id, user_id, last_seq, created_at)
              VALUES ($1, $2, $3, $4, $5)
              ON CONFLICT (id) DO NOTHING
              RETURNING id
            ),
            opening AS (
              INSERT INTO messages (id, conversation_id, seq, sender_id, sender_type, content, client_id, created_at)
              SELECT $6, started.id, $7, $8, $9, $10, $11, $12 FROM started
              RETURNING 1
            )`,
          guard: 'started',
          parameters: [
            conversation.id,
            conversation.requestId,
            conversation.userId,
            conversation.lastSeq,
            conversation.createdAt,
            opening.id,
            opening.seq,
            opening.senderId,
            opening.senderType,
            opening.content,
            opening.clientId,
            opening.createdAt,
          ],
        },
        [conversation, opening],
      )
      .catch((error: unknown) => {
        if (constraintOf(error) === REQUEST_ID_CONSTRAINT) {
          throw new RequestHasConversation(conversation.requestId);
        }
        throw error;
      });
    return written.length > 0;
  }

  async findByClientId(
    id: ConversationId,
    clientId: ClientMessageId,
  ): Promise<Message | undefined> {
    const [row]: MessageOrmEntity[] = await this.unitOfWork.manager.query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND client_id = $2`,
      [id, clientId],
    );
    return row === undefined ? undefined : MessageMapper.toDomain(row);
  }

  async messagesAfter(id: ConversationId, afterSeq: number, limit: number): Promise<Message[]> {
    const rows = await MESSAGES_AFTER.run(this.unitOfWork.manager, [id, afterSeq, limit]);
    return rows.map((row) => MessageMapper.toDomain(row));
  }

  async messagesBefore(
    id: ConversationId,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<Message[]> {
    const manager = this.unitOfWork.manager;
    const rows =
      beforeSeq === undefined
        ? await LATEST_MESSAGES.run(manager, [id, limit])
        : await MESSAGES_BEFORE.run(manager, [id, beforeSeq, limit]);
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
