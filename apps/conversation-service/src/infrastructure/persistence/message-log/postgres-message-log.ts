import { Injectable } from '@nestjs/common';
import { EnvelopeSchema, envelopeOf, MessageCreatedV1 } from '@ajla/contracts';
import { messagingTables, OutboxWriter } from '@ajla/messaging';
import { currentRequestContext, GroupCommit, PreparedStatement } from '@ajla/platform';
import { DataSource } from 'typeorm';
import type { z } from 'zod';
import type { Message, MessageDraft } from '../../../domain/conversation/message.aggregate';
import { ClientIdTaken, type MessageLog } from '../../../domain/conversation/message-log.port';
import {
  messageCreatedData,
  PRODUCER,
} from '../../messaging/conversation-integration-event.mapper';
import { constraintOf, isConstraintViolation } from '../constraint-violation';
import { MESSAGE_COLUMNS, MessageMapper } from '../mappers';
import type { MessageOrmEntity } from '../message.orm-entity';

const CLIENT_ID_CONSTRAINT = 'messages_conversation_id_client_id_key';

/**
 * Appends written at the same time at most, and their size. Two: a message that comes while one
 * batch is being written need not wait for it, and batches grow with the load (at 1500
 * messages/s about three per commit).
 */
const BATCHING = { concurrency: 2, maxBatchSize: 100 };

/** The `message.created` (v1) envelope as the statement receives it: all but the seq it stamps. */
const MessageCreatedBeforeItsSeq = EnvelopeSchema.extend({
  data: MessageCreatedV1.omit({ seq: true }),
});

/** A draft and the outbox row of its `message.created`, built once, before the statement. */
interface Append {
  draft: MessageDraft;
  eventId: string;
  /** The envelope as JSON text, without `data.seq`. */
  envelope: string;
  headers: string;
}

/**
 * The chat's hot path: a message, its seq and its `message.created` event in one statement, its
 * own transaction. The statement bumps the conversation's counter (holding its row lock until
 * the commit, so writers of one conversation go one after the other and seqs have no gaps),
 * inserts the message at the new seq and its event into the outbox with that seq stamped into
 * the event's data, and returns the stored row. Messages appended at about the same time share
 * one statement and commit (`GroupCommit`, the SQL function `append_messages`). Both statements
 * are named prepared statements (planned once per connection). After the commit this process's
 * outbox relay is woken in-process (`OutboxWriter.committed`), not through a NOTIFY.
 */
@Injectable()
export class PostgresMessageLog implements MessageLog {
  private readonly appendOne: PreparedStatement<MessageOrmEntity>;
  private readonly appendMany = new PreparedStatement<MessageOrmEntity>(
    'append_messages',
    `SELECT ${MESSAGE_COLUMNS} FROM append_messages($1::uuid[], $2::uuid[], $3::uuid[],
       $4::text[], $5::text[], $6::uuid[], $7::timestamptz[], $8::uuid[], $9::text[],
       $10::jsonb[], $11::jsonb[])`,
  );
  private readonly batches = new GroupCommit<Append, Message | undefined>(
    (batch) => this.write(batch),
    BATCHING,
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
  ) {
    this.appendOne = new PreparedStatement(
      'append_message',
      appendMessageSql(messagingTables(dataSource).outbox),
    );
  }

  async append(draft: MessageDraft): Promise<Message | undefined> {
    const event = messageCreatedBeforeItsSeq(draft);
    try {
      return await this.batches.submit({
        draft,
        eventId: event.id,
        envelope: JSON.stringify(event),
        headers: this.outbox.headers(event.correlation_id),
      });
    } catch (error) {
      if (constraintOf(error) === CLIENT_ID_CONSTRAINT && draft.clientId !== null) {
        throw new ClientIdTaken(draft.clientId);
      }
      throw error;
    }
  }

  /**
   * One batch in one statement (one commit): a single message by `append_message`, more by
   * `append_messages`. When one of them breaks a constraint (a client id used already), the whole
   * statement fails and each is appended alone instead, in order, so that only that one fails.
   */
  private async write(batch: Append[]): Promise<PromiseSettledResult<Message | undefined>[]> {
    if (batch.length === 1) return Promise.allSettled([this.writeOne(batch[0])]);
    let rows: MessageOrmEntity[];
    try {
      // The same parameters as one message's, each as an array over the batch.
      const perAppend = batch.map(parametersOf);
      rows = await this.appendMany.run(
        this.dataSource.manager,
        perAppend[0].map((_, i) => perAppend.map((values) => values[i])),
      );
    } catch (error) {
      if (!isConstraintViolation(error)) throw error;
      const outcomes: PromiseSettledResult<Message | undefined>[] = [];
      for (const append of batch) {
        outcomes.push(
          await this.writeOne(append).then(
            (value) => ({ status: 'fulfilled', value }) as const,
            (reason: unknown) => ({ status: 'rejected', reason }) as const,
          ),
        );
      }
      return outcomes;
    }
    if (rows.length > 0) this.outbox.committed();
    const stored = new Map(rows.map((row) => [row.id, MessageMapper.toDomain(row)]));
    return batch.map((append) => ({ status: 'fulfilled', value: stored.get(append.draft.id) }));
  }

  private async writeOne(append: Append): Promise<Message | undefined> {
    const [row] = await this.appendOne.run(this.dataSource.manager, parametersOf(append));
    if (row === undefined) return undefined; // no such conversation: nothing written
    this.outbox.committed();
    return MessageMapper.toDomain(row);
  }
}

/**
 * The `message.created` envelope of `draft`, checked against its contract, but for `data.seq`:
 * the statement that takes the seq stamps it, and it is an integer of at least 1 by the counter.
 */
function messageCreatedBeforeItsSeq(
  draft: MessageDraft,
): z.infer<typeof MessageCreatedBeforeItsSeq> {
  return MessageCreatedBeforeItsSeq.parse(
    envelopeOf('message.created', messageCreatedData(draft), {
      producer: PRODUCER,
      correlationId: currentRequestContext()?.correlationId ?? null,
      occurredAt: draft.createdAt,
    }),
  );
}

/** $1..$11 of both statements, in the order of `append_messages`' arrays. */
function parametersOf({ draft, eventId, envelope, headers }: Append): unknown[] {
  return [
    draft.conversationId,
    draft.id,
    draft.senderId,
    draft.senderType,
    draft.content,
    draft.clientId,
    draft.createdAt,
    eventId,
    'message.created',
    envelope,
    headers,
  ];
}

/**
 * One message: bumps the conversation's counter, inserts the message at the new seq and its
 * event (the seq stamped into its data) into the outbox. No row when the conversation does not
 * exist.
 */
function appendMessageSql(outboxTable: string): string {
  return `WITH counter AS (
      UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq
    ), stored AS (
      INSERT INTO messages (id, conversation_id, seq, sender_id, sender_type, content, client_id, created_at)
      SELECT $2, $1, counter.last_seq, $3, $4, $5, $6, $7 FROM counter
      RETURNING *
    ), recorded AS (
      INSERT INTO ${outboxTable} (id, routing_key, envelope, headers)
      SELECT $8, $9, jsonb_set($10::jsonb, '{data,seq}', to_jsonb(stored.seq))::json, $11::jsonb
        FROM stored
      RETURNING 1
    )
    SELECT ${MESSAGE_COLUMNS} FROM stored, recorded`;
}
