import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type {
  UnreadCount,
  UnreadCounts,
  UnreadScope,
} from '../../domain/conversation/unread-counts.port';
import type { ConversationId } from '../../domain/ids';

/**
 * One statement for the whole batch: each conversation by its primary key, the reader's mark by
 * the read_states key, and the unread messages counted on `(conversation_id, seq)` from just
 * above the mark (the newest few, as a rule), so a batch costs the same whatever its history.
 * Scope (a client: their own conversations only) is part of the WHERE: what the caller may not
 * see is never read.
 */
export const UNREAD_COUNTS_SQL = `
  SELECT c.id AS conversation_id,
         c.last_seq,
         COALESCE(r.last_read_seq, 0) AS read_seq,
         (SELECT count(*)::int FROM messages m
           WHERE m.conversation_id = c.id
             AND m.seq > COALESCE(r.last_read_seq, 0)
             AND m.sender_id IS DISTINCT FROM $2::uuid) AS unread
    FROM conversations c
    LEFT JOIN read_states r ON r.conversation_id = c.id AND r.user_id = $2::uuid
   WHERE c.id = ANY($1::uuid[])
     AND ($3::uuid IS NULL OR c.user_id = $3::uuid)`;

interface UnreadRow {
  conversation_id: string;
  last_seq: number;
  read_seq: number;
  unread: number;
}

@Injectable()
export class PostgresUnreadCounts implements UnreadCounts {
  constructor(private readonly dataSource: DataSource) {}

  async unreadCounts(ids: readonly ConversationId[], scope: UnreadScope): Promise<UnreadCount[]> {
    if (ids.length === 0) return [];
    const rows: UnreadRow[] = await this.dataSource.query(UNREAD_COUNTS_SQL, [
      ids,
      scope.reader,
      scope.clientOnly,
    ]);
    return rows.map((row) => ({
      conversationId: row.conversation_id as ConversationId,
      unread: row.unread,
      lastSeq: row.last_seq,
      readSeq: row.read_seq,
    }));
  }
}
