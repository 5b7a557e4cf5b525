import { Injectable } from '@nestjs/common';
import { messagingTables, OutboxUnitOfWork, OutboxWriter, type OutboxRows } from '@ajla/messaging';
import { GroupCommit, PreparedStatement } from '@ajla/platform';
import { DataSource } from 'typeorm';
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
 * The seq an appended message's event is built (and checked against its contract) with, before
 * the statement that stores it stamps the real one: appended messages follow the opening one.
 */
const SEQ_STAMPED_BY_THE_STATEMENT = 2;

/**
 * Batches of appended messages written at the same time at most, and their size. Two: a message
 * that comes while one batch is being written need not wait for it, and batches grow with the
 * load (at 1000 messages/s, a few per commit).
 */
const APPEND_BATCHING = { concurrency: 2, maxBatchSize: 100 };

/** A message to append with its `message.created` outbox row (seq still to be stamped). */
interface PendingMessage {
  draft: MessageDraft;
  outbox: OutboxRows;
}

/**
 * Conversations and their messages in the `conversations` schema. The hot path, appending a
 * message, is one statement: it bumps the conversation's counter (taking its row lock until the
 * commit, so writers of one conversation go one after the other and seqs have no gaps), inserts
 * the message at the new seq and its `message.created` event into the outbox. Messages appended
 * at the same time share that statement and its commit (GroupCommit, `append_messages`).
 */
@Injectable()
export class TypeOrmConversationRepository implements ConversationRepository {
  private readonly outboxTable: string;
  private readonly notifyChannel: string;
  /** appendMessage's statement alone (it commits on return) and inside a unit of work. */
  private readonly append: PreparedStatement<{ seq: number }>;
  private readonly appendInTransaction: PreparedStatement<{ seq: number }>;
  private readonly appendMany = new PreparedStatement<{ message_id: string; message_seq: number }>(
    'append_messages',
    `SELECT message_id, message_seq FROM append_messages($1::uuid[], $2::uuid[], $3::uuid[],
       $4::text[], $5::text[], $6::uuid[], $7::timestamptz[], $8::uuid[], $9::text[],
       $10::jsonb[], $11::jsonb[])`,
  );
  /** Messages appended outside a unit of work, written in batches (see appendBatch). */
  private readonly batches = new GroupCommit<PendingMessage, number | undefined>(
    (batch) => this.appendBatch(batch),
    APPEND_BATCHING,
  );

  constructor(
    private readonly unitOfWork: OutboxUnitOfWork,
    private readonly outbox: OutboxWriter,
    private readonly dataSource: DataSource,
  ) {
    const tables = messagingTables(dataSource);
    this.outboxTable = tables.outbox;
    this.notifyChannel = tables.notifyChannel;
    this.append = new PreparedStatement(
      'append_message',
      appendMessageSql(this.outboxTable, false),
    );
    this.appendInTransaction = new PreparedStatement(
      'append_message_in_tx',
      appendMessageSql(this.outboxTable, true),
    );
  }

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
    // The event is the one any saved message records, built from the message as it will be
    // stored; the statement writes the seq it takes into the message and into the event's data.
    const [event] = this.unitOfWork.pullIntegrationEvents(
      Message.create(draft, SEQ_STAMPED_BY_THE_STATEMENT),
    );
    const pending: PendingMessage = { draft, outbox: this.outbox.rows([event]) };
    let seq: number | undefined;
    try {
      // Inside a unit of work the message joins its transaction; alone, it joins a batch.
      seq = this.unitOfWork.inTransaction
        ? await this.appendOne(pending, true)
        : await this.batches.submit(pending);
    } catch (error) {
      if (constraintOf(error) === CLIENT_ID_CONSTRAINT && draft.clientId !== null) {
        throw new ClientIdTaken(draft.clientId);
      }
      throw error;
    }
    if (seq === undefined) return undefined;
    const message = Message.create(draft, seq);
    message.pullEvents(); // stored by the statement
    return message;
  }

  /**
   * One message in one statement: in the unit of work's transaction (Postgres NOTIFYs the relays
   * when it commits), or alone (it commits on return: this process's relay is woken directly).
   */
  private async appendOne(
    pending: PendingMessage,
    inTransaction: boolean,
  ): Promise<number | undefined> {
    const rows = await (inTransaction ? this.appendInTransaction : this.append).run(
      inTransaction ? this.unitOfWork.manager : this.dataSource.manager,
      [...appendParameters(pending), ...(inTransaction ? [this.notifyChannel] : [])],
    );
    if (!inTransaction && rows.length > 0) this.outbox.committed();
    return rows[0] === undefined ? undefined : Number(rows[0].seq);
  }

  /**
   * The messages appended at about the same time outside a unit of work, in one statement (one
   * commit for all): `append_messages` (see its migration). When one of them breaks a constraint
   * (a client id used already), the whole statement fails and each is appended alone instead, in
   * order, so that only that one fails.
   */
  private async appendBatch(
    batch: PendingMessage[],
  ): Promise<PromiseSettledResult<number | undefined>[]> {
    if (batch.length === 1) {
      return Promise.allSettled([this.appendOne(batch[0], false)]);
    }
    let rows: { message_id: string; message_seq: number }[];
    try {
      // The same parameters as one message's, each as an array over the batch.
      const perMessage = batch.map(appendParameters);
      rows = await this.appendMany.run(
        this.dataSource.manager,
        perMessage[0].map((_, i) => perMessage.map((values) => values[i])),
      );
    } catch (error) {
      if (!isConstraintViolation(error)) throw error;
      // One after the other: the messages keep the order they came in.
      const outcomes: PromiseSettledResult<number | undefined>[] = [];
      for (const m of batch) {
        outcomes.push(
          await this.appendOne(m, false).then(
            (value) => ({ status: 'fulfilled', value }) as const,
            (reason: unknown) => ({ status: 'rejected', reason }) as const,
          ),
        );
      }
      return outcomes;
    }
    if (rows.length > 0) this.outbox.committed();
    const seqs = new Map(rows.map((row) => [row.message_id, Number(row.message_seq)]));
    return batch.map((m) => ({ status: 'fulfilled', value: seqs.get(m.draft.id) }));
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

/** $1..$11 of the append statement, in the order of `append_messages`' arrays too. */
function appendParameters({ draft, outbox }: PendingMessage): unknown[] {
  return [
    draft.conversationId,
    draft.id,
    draft.senderId,
    draft.senderType,
    draft.content,
    draft.clientId,
    draft.createdAt,
    outbox.ids[0],
    outbox.routingKeys[0],
    outbox.envelopes[0],
    outbox.headers[0],
  ];
}

/**
 * Bumps the conversation's counter, inserts the message at the new seq and its event (with that
 * seq stamped into the envelope) into the outbox. Returns no row when the conversation does not
 * exist. Inside a unit of work it also NOTIFYs the relays, which Postgres delivers at the commit.
 */
function appendMessageSql(outboxTable: string, notify: boolean): string {
  return `WITH counter AS (
      UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq
    ), message AS (
      INSERT INTO messages (id, conversation_id, seq, sender_id, sender_type, content, client_id, created_at)
      SELECT $2, $1, counter.last_seq, $3, $4, $5, $6, $7 FROM counter
      RETURNING seq
    ), event AS (
      INSERT INTO ${outboxTable} (id, routing_key, envelope, headers)
      SELECT $8, $9, jsonb_set($10::jsonb, '{data,seq}', to_jsonb(message.seq))::json, $11::jsonb
        FROM message
      RETURNING 1
    )
    SELECT message.seq${notify ? ', pg_notify($12, 1::text)' : ''} FROM message, event`;
}

/** A broken integrity constraint (class 23: unique, check, foreign key, not null). */
function isConstraintViolation(error: unknown): boolean {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' && code.startsWith('23');
}

function constraintOf(error: unknown): string | undefined {
  const e = error as { constraint?: string; driverError?: { constraint?: string } };
  return e?.driverError?.constraint ?? e?.constraint;
}
