import { Inject, Injectable, Optional } from '@nestjs/common';
import { METRICS_REGISTRY } from '@ajla/platform';
import { Histogram, type Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import type { MessageLog } from '../../domain/conversation/message-log.port';
import type { Message, MessageDraft } from '../../domain/conversation/message.aggregate';

/** Conversations this replica knows to have their first staff reply: no look-up for their next. */
const ANSWERED_KEPT = 10_000;

/**
 * `ajla_conversation_first_staff_reply_seconds`: from a conversation opening (its request's
 * submission) to the first message staff write in it, observed once, by the replica that stored
 * that message. Whether a staff message is the first is asked of Postgres after it is stored, off
 * the chat's hot path, and only for conversations this replica does not know to be answered; the
 * answer compares seqs, so two staff messages stored at once, here or on two replicas, count once.
 */
@Injectable()
export class FirstStaffReplies {
  private readonly delay?: Histogram;
  private readonly answered = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    if (registry === undefined) return;
    this.delay =
      (registry.getSingleMetric('ajla_conversation_first_staff_reply_seconds') as Histogram) ??
      new Histogram({
        name: 'ajla_conversation_first_staff_reply_seconds',
        help: "Time from a conversation opening (its request's submission) to the first message staff write in it",
        buckets: [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400],
        registers: [registry],
      });
  }

  /** A message just stored (never a resend): observed if it is its conversation's first from staff. */
  stored(message: Message): void {
    if (this.delay === undefined || message.senderType !== 'admin') return;
    if (this.answered.has(message.conversationId)) return;
    // Not awaited: the sender's answer does not wait for a metric, nor fails with it (a lost
    // observation is the worst a failed look-up does).
    void this.firstReplySeconds(message).then(
      (seconds) => {
        this.remember(message.conversationId);
        if (seconds !== undefined) this.delay?.observe(Math.max(0, seconds));
      },
      () => undefined,
    );
  }

  private async firstReplySeconds(message: Message): Promise<number | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT extract(epoch FROM first.created_at - c.created_at)::float8 AS seconds
         FROM conversations AS c
         JOIN LATERAL (
           SELECT m.seq, m.created_at FROM messages AS m
            WHERE m.conversation_id = c.id AND m.sender_type = 'admin'
            ORDER BY m.seq LIMIT 1
         ) AS first ON true
        WHERE c.id = $1 AND first.seq = $2`,
      [message.conversationId, message.seq],
    )) as { seconds: number }[];
    return rows[0]?.seconds;
  }

  private remember(conversationId: string): void {
    this.answered.add(conversationId);
    // A Set iterates in insertion order: the first is the oldest.
    if (this.answered.size > ANSWERED_KEPT) {
      this.answered.delete(this.answered.values().next().value as string);
    }
  }
}

/** The message log, telling `FirstStaffReplies` of every message it stored. */
export class MeasuredMessageLog implements MessageLog {
  constructor(
    private readonly log: MessageLog,
    private readonly replies: FirstStaffReplies,
  ) {}

  async append(draft: MessageDraft): Promise<Message | undefined> {
    const message = await this.log.append(draft);
    if (message !== undefined) this.replies.stored(message);
    return message;
  }
}
