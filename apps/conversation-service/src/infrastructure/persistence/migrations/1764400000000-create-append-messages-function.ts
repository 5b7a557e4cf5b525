import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `append_messages`: stores a batch of chat messages, of any conversations, with their
 * `message.created` events, in one statement (one round trip, one commit for the batch). Each
 * conversation's counter is bumped once by its number of messages, the conversations one after
 * the other in id order, so that concurrent batches (several replicas) take the row locks in the
 * same order and cannot deadlock; the messages of a conversation take its next seqs in the order
 * they have in the arrays. Messages of a conversation that does not exist are left out of the
 * result. A broken constraint (a client id used already) fails the whole batch: the caller then
 * stores its messages one by one.
 */
export class CreateAppendMessagesFunction1764400000000 implements MigrationInterface {
  name = 'CreateAppendMessagesFunction1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'conversations');
    await queryRunner.query(`
      CREATE FUNCTION ${s}.append_messages(
        p_conversation_ids uuid[],
        p_ids uuid[],
        p_sender_ids uuid[],
        p_sender_types text[],
        p_contents text[],
        p_client_ids uuid[],
        p_created_ats timestamptz[],
        p_event_ids uuid[],
        p_routing_keys text[],
        p_envelopes jsonb[],
        p_headers jsonb[]
      ) RETURNS TABLE (message_id uuid, message_seq integer)
      LANGUAGE plpgsql AS $fn$
      DECLARE
        counted record;
        new_last_seq integer;
        counter_ids uuid[] := '{}';
        counter_last_seqs integer[] := '{}';
        counter_counts integer[] := '{}';
      BEGIN
        FOR counted IN
          SELECT c.conversation_id, count(*)::integer AS k
            FROM unnest(p_conversation_ids) AS c (conversation_id)
           GROUP BY c.conversation_id
           ORDER BY c.conversation_id
        LOOP
          UPDATE ${s}.conversations AS v
             SET last_seq = v.last_seq + counted.k
           WHERE v.id = counted.conversation_id
          RETURNING v.last_seq INTO new_last_seq;
          IF FOUND THEN
            counter_ids := counter_ids || counted.conversation_id;
            counter_last_seqs := counter_last_seqs || new_last_seq;
            counter_counts := counter_counts || counted.k;
          END IF;
        END LOOP;

        RETURN QUERY
        WITH input AS (
          SELECT *
            FROM unnest(p_conversation_ids, p_ids, p_sender_ids, p_sender_types, p_contents,
                        p_client_ids, p_created_ats, p_event_ids, p_routing_keys, p_envelopes,
                        p_headers)
                 WITH ORDINALITY
              AS i (conversation_id, id, sender_id, sender_type, content, client_id, created_at,
                    event_id, routing_key, envelope, headers, n)
        ), numbered AS (
          SELECT input.*,
                 (t.last_seq - t.k + row_number() OVER (
                   PARTITION BY input.conversation_id ORDER BY input.n))::integer AS seq
            FROM input
            JOIN unnest(counter_ids, counter_last_seqs, counter_counts)
              AS t (conversation_id, last_seq, k) USING (conversation_id)
        ), message AS (
          INSERT INTO ${s}.messages
                 (id, conversation_id, seq, sender_id, sender_type, content, client_id, created_at)
          SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.sender_type, m.content,
                 m.client_id, m.created_at
            FROM numbered AS m
           ORDER BY m.n
          RETURNING id, seq
        ), event AS (
          INSERT INTO ${s}.outbox_messages (id, routing_key, envelope, headers)
          SELECT e.event_id, e.routing_key,
                 jsonb_set(e.envelope, '{data,seq}', to_jsonb(e.seq))::json, e.headers
            FROM numbered AS e
           ORDER BY e.n
          RETURNING 1
        )
        SELECT message.id, message.seq FROM message;
      END
      $fn$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'conversations');
    await queryRunner.query(
      `DROP FUNCTION ${s}.append_messages(uuid[], uuid[], uuid[], text[], text[], uuid[], timestamptz[], uuid[], text[], jsonb[], jsonb[])`,
    );
  }
}
