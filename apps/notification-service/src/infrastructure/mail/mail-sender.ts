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
  DueRowsWorker,
  type Lease,
  outcomeCounter,
  type RowOutcome,
} from '../jobs/due-rows-worker';
import { NOTIFICATIONS_SCHEMA } from '../persistence/entities';
import {
  type NotificationRow,
  toNotification,
} from '../persistence/typeorm-notification.repository';
import {
  createMailTransport,
  type MailTransport,
  SMTP_CONNECTIONS,
  SMTP_TIMEOUT_MS,
} from './mail-transport';
import {
  digestMail,
  NEW_REQUESTS_COUNTED,
  NEW_REQUESTS_LISTED,
  newRequestsMail,
  notificationMail,
  type MailContent,
} from './templates';

const s = NOTIFICATIONS_SCHEMA;

/** Mails claimed at a time. */
const BATCH_SIZE = 20;

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
  /** How its attempt went, recorded with the rest of the batch (`finish`); unset: it failed. */
  done?: 'sent' | 'skipped';
}

/**
 * Sends the mail outbox: every MAIL_POLL_INTERVAL_MS it claims the due rows, 20 at a time, with a
 * lease (`DueRowsWorker`: replicas share the work, never send one row twice at once, and no row
 * lock nor transaction is held while the SMTP server is talked to), renders and sends each, and
 * marks the batch sent in one short transaction. A failure counts the attempt, keeps the error and tries again after
 * the next delay of MAIL_RETRY_DELAYS_MS, the last one repeating: a mail is never dropped. A mail
 * of an event its recipient turned off (`mail_preferences`) is skipped. A crash after the server
 * accepted a mail but before the finish sends it again once its lease has expired (at least
 * once). A digest being sent is no longer `pending`: a notification for its recipient meanwhile
 * starts a new pending digest (the unique index covers pending rows only) instead of waiting.
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
    private readonly dataSource: DataSource,
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
      // BATCH_SIZE mails over SMTP_CONNECTIONS connections, one after another on each; connecting,
      // the greeting and the exchange each have SMTP_TIMEOUT_MS.
      batchTimeoutMs: Math.ceil(BATCH_SIZE / SMTP_CONNECTIONS) * 3 * SMTP_TIMEOUT_MS,
      batchSize: BATCH_SIZE,
      claim: (manager, limit, lease) => this.claim(manager, limit, lease),
      run: (row) => this.deliver(row),
      finish: (manager, token, outcomes) => this.finish(manager, token, outcomes),
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
   * The `limit` rows due first (and those whose lease expired) and, for each, what sending needs.
   * The rows are claimed first (the CTEs), so the joins and the sort see only them. Read in
   * `due_at` order along `mail_outbox_due_idx` (and `claimed_until` along
   * `mail_outbox_claimed_idx`), stopping at `limit`. The planner's estimates lag behind a queue
   * that grows fast (a new table looks empty until it is analyzed), and with them it read every
   * due row of a backlog (bitmap scan, then a sort of all of them) to claim 20: the claim and the
   * finish only read rows by their keys, so bitmap and sequential scans are off in them.
   */
  private async claim(manager: EntityManager, limit: number, lease: Lease): Promise<DueMail[]> {
    await keyScansOnly(manager);
    return manager.query(
      `WITH expired AS MATERIALIZED (
         SELECT id, due_at FROM ${s}.mail_outbox
          WHERE status = 'sending' AND claimed_until < now()
          ORDER BY claimed_until
          LIMIT ${limit}
            FOR UPDATE SKIP LOCKED
       ), due AS MATERIALIZED (
         SELECT id, due_at FROM ${s}.mail_outbox
          WHERE status = 'pending' AND due_at <= now()
          ORDER BY due_at
          LIMIT ${limit}
            FOR UPDATE SKIP LOCKED
       ), picked AS MATERIALIZED (
         SELECT id FROM (SELECT * FROM expired UNION ALL SELECT * FROM due) AS both_kinds
          ORDER BY due_at
          LIMIT ${limit}
       ), claimed AS (
         UPDATE ${s}.mail_outbox m
            SET status = 'sending', claim_token = $1,
                claimed_until = now() + make_interval(secs => $2::float8 / 1000)
           FROM picked
          WHERE m.id = picked.id
          RETURNING m.*
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
      [lease.token, lease.ms],
    );
  }

  /** Sends one mail (`finish` records it); throws when it could not be sent. */
  private async deliver(row: DueMail): Promise<void> {
    if (row.turned_off) {
      // Asked at send time, so turning an event off also holds for its mail still waiting.
      this.skip(row);
      return;
    }
    if (row.email === null) {
      // The account's user.registered has not arrived yet: try again later.
      throw new Error('no e-mail address is known for the recipient yet');
    }
    const recipient = { email: row.email, fullName: row.full_name };
    const content = await this.render(row, recipient);
    if (content === undefined) {
      // A digest whose replies the client has read meanwhile: nothing to say.
      this.skip(row);
      return;
    }
    await this.transport.send({ id: row.id, to: row.email, ...content });
    row.done = 'sent';
  }

  /**
   * The batch's outcomes in one statement (one round trip per batch instead of one per mail), on
   * the rows still claimed by `token`: sent, skipped, or due again after the back-off (transport
   * errors name the server and its answer, never the credentials of SMTP_URL). Should it fail,
   * the rows stay `sending` and are sent again once their lease has expired: at least once.
   */
  private async finish(
    manager: EntityManager,
    token: string,
    outcomes: RowOutcome<DueMail>[],
  ): Promise<string[]> {
    await keyScansOnly(manager);
    const failedDigests = outcomes
      .filter(({ row, failed }) => failed && row.kind !== 'notification')
      .map(({ row }) => row.id);
    // A digest that failed while a newer one began (a notification came while it was being sent)
    // cannot be pending again beside it (one pending digest per scope): the newer one takes its
    // start instead, so it lists what this one would have, and this one is skipped.
    // TypeORM answers an UPDATE with [rows, count].
    const [merged]: [{ id: string }[], number] =
      failedDigests.length === 0
        ? [[], 0]
        : await manager.query(
            `WITH failed AS (
               SELECT id, recipient_id, kind, conversation_id, since FROM ${s}.mail_outbox
                WHERE id = ANY($2::uuid[]) AND claim_token = $1
             ), newer AS (
               UPDATE ${s}.mail_outbox p SET since = least(p.since, failed.since)
                 FROM failed
                WHERE p.status = 'pending' AND p.recipient_id = failed.recipient_id
                  AND p.kind = failed.kind
                  AND p.conversation_id IS NOT DISTINCT FROM failed.conversation_id
                RETURNING failed.id
             )
             UPDATE ${s}.mail_outbox
                SET status = 'skipped', attempts = attempts + 1, claim_token = NULL,
                    claimed_until = NULL, last_error = 'failed; merged into a newer digest'
              WHERE id IN (SELECT id FROM newer)
              RETURNING id`,
            [token, failedDigests],
          );
    const [finished]: [{ id: string }[], number] = await manager.query(
      `UPDATE ${s}.mail_outbox m
          SET status = CASE o.outcome WHEN 'failed' THEN 'pending' ELSE o.outcome END,
              sent_at = CASE o.outcome WHEN 'sent' THEN now() ELSE m.sent_at END,
              attempts = CASE o.outcome WHEN 'skipped' THEN m.attempts ELSE m.attempts + 1 END,
              last_error = CASE o.outcome WHEN 'sent' THEN NULL WHEN 'failed' THEN o.error
                                          ELSE m.last_error END,
              due_at = CASE o.outcome WHEN 'failed'
                         THEN now() + make_interval(secs => o.delay_ms / 1000) ELSE m.due_at END,
              claim_token = NULL, claimed_until = NULL
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::float8[])
              AS o (id, outcome, error, delay_ms)
        WHERE m.id = o.id AND m.claim_token = $1
        RETURNING m.id`,
      [
        token,
        outcomes.map(({ row }) => row.id),
        outcomes.map(({ row, failed }) => (failed ? 'failed' : (row.done ?? 'failed'))),
        outcomes.map(({ failure }) => failure?.message ?? null),
        outcomes.map(({ failure }) => failure?.retryInMs ?? 0),
      ],
    );
    const counted = new Set([...merged, ...finished].map(({ id }) => id));
    for (const { row, failed } of outcomes) {
      if (counted.has(row.id))
        this.outcomes?.inc({ outcome: failed ? 'failed' : (row.done ?? 'failed') });
    }
    return [...counted];
  }

  private skip(row: DueMail): void {
    row.done = 'skipped';
  }

  private async render(
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
    if (row.kind === 'new_requests') return this.renderNewRequests(row, recipient);
    // The staff replies of this conversation notified since the digest began, still unread, in
    // the conversation's order (events may be handled in any order).
    const replies: { body: string; data: NotificationData; created_at: Date }[] =
      await this.dataSource.query(
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
   * oldest first: how many (up to one past `NEW_REQUESTS_COUNTED`: each one counted is a row read,
   * and a busy window holds thousands), and the first `NEW_REQUESTS_LISTED`.
   */
  private async renderNewRequests(
    row: DueMail,
    recipient: { email: string; fullName: string | null },
  ): Promise<MailContent | undefined> {
    const unread = `FROM ${s}.notifications
          WHERE recipient_id = $1 AND type = 'request.submitted' AND read_at IS NULL
            AND created_at >= $2`;
    const requests: { title: string; body: string; data: NotificationData; total: string }[] =
      await this.dataSource.query(
        `SELECT title, body, data,
                (SELECT count(*) FROM (SELECT 1 ${unread} LIMIT ${NEW_REQUESTS_COUNTED + 1}) AS c)
                  AS total
           ${unread}
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

/**
 * Bitmap and sequential scans off for the rest of `manager`'s transaction, whose statements read
 * rows by their keys only (see `MailSender.claim`).
 */
async function keyScansOnly(manager: EntityManager): Promise<void> {
  await manager.query(
    `SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)`,
  );
}
