import { migrationSchema } from '@ajla/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CreateAppendMessagesFunction1764400000000 } from './1764400000000-create-append-messages-function';

/**
 * `append_messages` returns the rows it stored (`SETOF messages`), not only their ids and seqs:
 * the message log builds each appended message from its stored row, read with the same column
 * list as every other read. Otherwise as before (see the migration that created it): counters
 * bumped once per conversation in id order (no deadlock between batches), seqs in array order,
 * each message's `message.created` stored with its seq stamped into the data, messages of a
 * conversation that does not exist left out, a broken constraint failing the whole batch.
 * Replicas of the previous version still running during a rolling update fail their batches of
 * several messages until they are replaced (the senders get `internal` and resend; the client id
 * keeps that idempotent): the function's result type cannot change in place.
 */
export class AppendMessagesReturnsMessages1764500000000 implements MigrationInterface {
  name = 'AppendMessagesReturnsMessages1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'conversations');
    await queryRunner.query(`DROP FUNCTION ${s}.append_messages(${PARAMETER_TYPES})`);
    await queryRunner.query(`
      CREATE FUNCTION ${s}.append_messages(
        p_conversation_ids uuid[], p_ids uuid[], p_sender_ids uuid[], p_sender_types text[],
        p_contents text[], p_client_ids uuid[], p_created_ats timestamptz[], p_event_ids uuid[],
        p_routing_keys text[], p_envelopes jsonb[], p_headers jsonb[]
      ) RETURNS SETOF ${s}.messages
      LANGUAGE plpgsql AS $fn$
      DECLARE
        per_conversation record;
        bumped integer;
        locked_ids uuid[] := '{}';
        locked_last_seqs integer[] := '{}';
        locked_counts integer[] := '{}';
      BEGIN
        FOR per_conversation IN
          SELECT t.id, count(*)::integer AS n
            FROM unnest(p_conversation_ids) AS t (id)
           GROUP BY t.id
           ORDER BY t.id
        LOOP
          UPDATE ${s}.conversations AS c SET last_seq = c.last_seq + per_conversation.n
           WHERE c.id = per_conversation.id
          RETURNING c.last_seq INTO bumped;
          IF FOUND THEN
            locked_ids := locked_ids || per_conversation.id;
            locked_last_seqs := locked_last_seqs || bumped;
            locked_counts := locked_counts || per_conversation.n;
          END IF;
        END LOOP;

        RETURN QUERY
        WITH arrived AS (
          SELECT *
            FROM unnest(p_conversation_ids, p_ids, p_sender_ids, p_sender_types, p_contents,
                        p_client_ids, p_created_ats, p_event_ids, p_routing_keys, p_envelopes,
                        p_headers) WITH ORDINALITY
              AS a (conversation_id, id, sender_id, sender_type, content, client_id, created_at,
                    event_id, routing_key, envelope, headers, position)
        ), placed AS (
          SELECT arrived.*,
                 (l.last_seq - l.n + row_number() OVER (
                   PARTITION BY arrived.conversation_id ORDER BY arrived.position))::integer AS seq
            FROM arrived
            JOIN unnest(locked_ids, locked_last_seqs, locked_counts)
              AS l (conversation_id, last_seq, n) USING (conversation_id)
        ), stored AS (
          INSERT INTO ${s}.messages
                 (id, conversation_id, seq, sender_id, sender_type, content, client_id, created_at)
          SELECT p.id, p.conversation_id, p.seq, p.sender_id, p.sender_type, p.content,
                 p.client_id, p.created_at
            FROM placed AS p ORDER BY p.position
          RETURNING *
        ), recorded AS (
          INSERT INTO ${s}.outbox_messages (id, routing_key, envelope, headers)
          SELECT p.event_id, p.routing_key,
                 jsonb_set(p.envelope, '{data,seq}', to_jsonb(p.seq))::json, p.headers
            FROM placed AS p ORDER BY p.position
          RETURNING 1
        )
        SELECT * FROM stored;
      END
      $fn$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner, 'conversations');
    await queryRunner.query(`DROP FUNCTION ${s}.append_messages(${PARAMETER_TYPES})`);
    await new CreateAppendMessagesFunction1764400000000().up(queryRunner);
  }
}

const PARAMETER_TYPES =
  'uuid[], uuid[], uuid[], text[], text[], uuid[], timestamptz[], uuid[], text[], jsonb[], jsonb[]';
