import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { parseRetryDelays } from '@ajla/messaging';
import { METRICS_REGISTRY } from '@ajla/platform';
import type { Counter, Registry } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import { NotificationServiceConfig } from '../../config/notification-service.config';
import type { NotificationData } from '../../domain/notification/notification';
import {
  type AttemptFailure,
  DueRowsWorker,
  outcomeCounter,
  type RowOutcome,
  type RowQueries,
} from '../jobs/due-rows-worker';
import { NOTIFICATIONS_SCHEMA } from '../persistence/entities';
import {
  type NotificationRow,
  toNotification,
} from '../persistence/typeorm-notification.repository';
import { createMailTransport, type MailTransport } from './mail-transport';
import {
  digestMail,
  NEW_REQUESTS_LISTED,
  newRequestsMail,
  notificationMail,
  type MailContent,
} from './templates';

const s = NOTIFICATIONS_SCHEMA;

/** A due outbox row with its recipient's address (null: no user event about them yet). */
interface DueMail {
  id: string;
  recipient_id: string;
  kind: 'notification' | 'digest' | 'new_requests';
  notification_id: string | null;
  conversation_id: string | null;
  since: Date;
  attempts: number;
  email: string | null;
  full_name: string | null;
  /** The recipient turned mail off for this event type (their notification preferences). */
  turned_off: boolean;
  /** kind `notification`: its notification, read by the claim (null columns for a digest). */
  n_event_id: string | null;
  n_type: string | null;
  n_title: string | null;
  n_body: string | null;
  n_data: NotificationData | null;
  n_read_at: Date | null;
  n_created_at: Date | null;
  n_seq: string | null;
  /** Set once the transport took it: marked sent with the rest of the batch (`markSent`). */
  sent?: boolean;
}

/**
 * Sends the mail outbox: every MAIL_POLL_INTERVAL_MS it claims the due rows, 20 per transaction
 * (`DueRowsWorker`: replicas share the work, never send one row twice at once), renders and sends
 * each, and marks it sent. A failure counts the attempt, keeps the error and tries again after
 * the next delay of MAIL_RETRY_DELAYS_MS, the last one repeating: a mail is never dropped. A mail
 * of an event its recipient turned off (`mail_preferences`) is skipped. A crash after the server
 * accepted a mail but before the commit sends it again (at least once).
 */
@Injectable()
export class MailSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MailSender');
  private readonly transport: MailTransport;
  private readonly worker: DueRowsWorker<DueMail>;
  /** Mails by outcome: sent, failed (an attempt; retried), skipped (nothing to say, or turned off). */
  private readonly outcomes?: Counter<'outcome'>;

  constructor(
    private readonly config: NotificationServiceConfig,
    dataSource: DataSource,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    this.outcomes = outcomeCounter(
      registry,
      'ajla_mails_total',
      'Mail outbox rows handled by the sender, by outcome (sent, failed attempt, skipped)',
    );
    this.transport = createMailTransport({
      smtpUrl: config.SMTP_URL,
      from: config.MAIL_FROM,
      dropDir: config.MAIL_DROP_DIR,
      logger: this.logger,
    });
    this.worker = new DueRowsWorker<DueMail>({
      name: 'Mail sender',
      rowName: 'Mail',
      intervalMs: config.MAIL_POLL_INTERVAL_MS,
      dataSource,
      logger: this.logger,
      retryDelaysMs: parseRetryDelays(config.MAIL_RETRY_DELAYS_MS),
      whenDelaysRunOut: 'repeat',
      claim: (manager, limit) => this.claim(manager, limit),
      run: (queries, row) => this.deliver(queries, row),
      recordFailure: (queries, row, failure) => this.recordFailure(queries, row, failure),
      afterBatch: (manager, outcomes) => this.markSent(manager, outcomes),
    });
  }

  onApplicationBootstrap(): void {
    this.logger.log(`Mail goes to ${this.transport.description}`);
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
    this.transport.close();
  }

  /**
   * The `limit` rows due first and, for each, what sending needs. The rows are claimed first (the
   * CTE), so the joins and the sort see only them. Read in `due_at` order along
   * `mail_outbox_due_idx`, stopping at `limit`. The planner's estimates lag behind a queue that
   * grows fast (a new table looks empty until it is analyzed), and with them it read every due
   * row of a backlog (bitmap scan, then a sort of all of them) to claim 20, and the whole table
   * to mark a batch sent (`markSent`): this transaction only reads rows by their keys, so bitmap
   * and sequential scans are off in it.
   */
  private async claim(manager: EntityManager, limit: number): Promise<DueMail[]> {
    await manager.query(
      `SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)`,
    );
    return manager.query(
      `WITH claimed AS MATERIALIZED (
         SELECT * FROM ${s}.mail_outbox
          WHERE status = 'pending' AND due_at <= now()
          ORDER BY due_at
          LIMIT ${limit}
            FOR UPDATE SKIP LOCKED
       )
       SELECT m.id, m.recipient_id, m.kind, m.notification_id, m.conversation_id, m.since,
              m.attempts, a.email, a.full_name,
              coalesce((p.email -> coalesce(n.type, CASE m.kind WHEN 'new_requests'
                THEN 'request.submitted' ELSE 'message.created' END)) = 'false'::jsonb, false)
                AS turned_off,
              n.event_id AS n_event_id, n.type AS n_type, n.title AS n_title, n.body AS n_body,
              n.data AS n_data, n.read_at AS n_read_at, n.created_at AS n_created_at,
              n.seq AS n_seq
         FROM claimed m
         LEFT JOIN ${s}.accounts a ON a.user_id = m.recipient_id
         LEFT JOIN ${s}.notifications n ON n.id = m.notification_id
         LEFT JOIN ${s}.mail_preferences p ON p.user_id = m.recipient_id
        ORDER BY m.due_at`,
    );
  }

  /** Sends one mail (`markSent` records it); throws when it could not be sent. */
  private async deliver(queries: RowQueries, row: DueMail): Promise<void> {
    if (row.turned_off) {
      // Asked at send time, so turning an event off also holds for its mail still waiting.
      await this.skip(queries, row);
      return;
    }
    if (row.email === null) {
      // The account's user.registered has not arrived yet: try again later.
      throw new Error('no e-mail address is known for the recipient yet');
    }
    const recipient = { email: row.email, fullName: row.full_name };
    const content = await this.render(queries, row, recipient);
    if (content === undefined) {
      // A digest whose replies the client has read meanwhile: nothing to say.
      await this.skip(queries, row);
      return;
    }
    await this.transport.send({ id: row.id, to: row.email, ...content });
    row.sent = true;
    this.outcomes?.inc({ outcome: 'sent' });
  }

  /**
   * The batch's sent mails marked sent in one statement, in the claim's transaction (one round
   * trip per batch instead of one per mail). Should it fail, the batch rolls back and its mails
   * are sent again: at least once, as after a crash.
   */
  private async markSent(
    manager: EntityManager,
    outcomes: RowOutcome<DueMail>[],
  ): Promise<undefined> {
    const sent = outcomes.filter(({ row, failed }) => !failed && row.sent === true);
    if (sent.length > 0) {
      await manager.query(
        `UPDATE ${s}.mail_outbox
            SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL
          WHERE id = ANY($1::uuid[])`,
        [sent.map(({ row }) => row.id)],
      );
    }
    return undefined;
  }

  /** Transport errors name the server and its answer, never the credentials of SMTP_URL. */
  private async recordFailure(
    queries: RowQueries,
    row: DueMail,
    failure: AttemptFailure,
  ): Promise<void> {
    await queries.query(
      `UPDATE ${s}.mail_outbox
          SET attempts = $2, last_error = $3, due_at = now() + make_interval(secs => $4)
        WHERE id = $1`,
      [row.id, failure.attempts, failure.message, (failure.retryInMs ?? 0) / 1000],
    );
    this.outcomes?.inc({ outcome: 'failed' });
  }

  private async skip(queries: RowQueries, row: DueMail): Promise<void> {
    await queries.query(`UPDATE ${s}.mail_outbox SET status = 'skipped' WHERE id = $1`, [row.id]);
    this.outcomes?.inc({ outcome: 'skipped' });
  }

  private async render(
    queries: RowQueries,
    row: DueMail,
    recipient: { email: string; fullName: string | null },
  ): Promise<MailContent | undefined> {
    const webAppUrl = this.config.WEB_APP_URL;
    if (row.kind === 'notification') {
      // Read by the claim's join: no second round trip per mail.
      const notification: NotificationRow = {
        id: row.notification_id!,
        recipient_id: row.recipient_id,
        event_id: row.n_event_id!,
        type: row.n_type!,
        title: row.n_title!,
        body: row.n_body!,
        data: row.n_data!,
        read_at: row.n_read_at,
        created_at: row.n_created_at!,
        seq: row.n_seq!,
      };
      return notificationMail(toNotification(notification), recipient, webAppUrl);
    }
    if (row.kind === 'new_requests') return this.renderNewRequests(queries, row, recipient);
    // The staff replies of this conversation notified since the digest began, still unread, in
    // the conversation's order (events may be handled in any order).
    const replies: { body: string; data: NotificationData; created_at: Date }[] =
      await queries.query(
        `SELECT body, data, created_at FROM ${s}.notifications
          WHERE recipient_id = $1 AND type = 'message.created' AND read_at IS NULL
            AND data ->> 'conversation_id' = $2 AND created_at >= $3
          ORDER BY (data ->> 'seq')::int, created_at`,
        [row.recipient_id, row.conversation_id, row.since],
      );
    if (replies.length === 0) return undefined;
    return digestMail(
      replies.map((reply) => ({ body: reply.body, createdAt: reply.created_at })),
      replies[0].data.request_id,
      recipient,
      webAppUrl,
    );
  }

  /**
   * The requests notified to the staff member since the digest began that they have not read,
   * oldest first: how many, and the first `NEW_REQUESTS_LISTED` (count(*) OVER () counts them all
   * before the limit).
   */
  private async renderNewRequests(
    queries: RowQueries,
    row: DueMail,
    recipient: { email: string; fullName: string | null },
  ): Promise<MailContent | undefined> {
    const requests: { title: string; body: string; data: NotificationData; total: string }[] =
      await queries.query(
        `SELECT title, body, data, count(*) OVER () AS total FROM ${s}.notifications
          WHERE recipient_id = $1 AND type = 'request.submitted' AND read_at IS NULL
            AND created_at >= $2
          ORDER BY created_at, seq
          LIMIT ${NEW_REQUESTS_LISTED}`,
        [row.recipient_id, row.since],
      );
    if (requests.length === 0) return undefined;
    return newRequestsMail(
      requests.map((request) => ({
        title: request.title,
        body: request.body,
        requestId: request.data.request_id,
      })),
      Number(requests[0].total),
      recipient,
      this.config.WEB_APP_URL,
    );
  }
}
