import { Injectable, Logger } from '@nestjs/common';
import { OutboxUnitOfWork } from '@ajla/messaging';
import { newId } from '@ajla/shared-kernel';
import type { EntityManager } from 'typeorm';
import { NotifyWebhookDisabledHandler } from '../../application/notify-webhook-disabled/notify-webhook-disabled.handler';
import { NotificationServiceConfig } from '../../config/notification-service.config';
import type { Notification } from '../../domain/notification/notification';
import { NOTIFICATIONS_SCHEMA } from '../persistence/entities';
import { NotificationHub } from '../realtime/notification-hub';
import { stopPendingDeliveries } from './webhook-subscriptions';

const s = NOTIFICATIONS_SCHEMA;

/** How one attempt at one webhook went. */
export interface AttemptOutcome {
  subscriptionId: string;
  failed: boolean;
  at: Date;
}

/**
 * Each webhook's failure streak (`failing_since`: the first failed attempt since the last
 * success), kept from the sender's attempts in the sender's transaction. A webhook whose
 * deliveries have all failed for WEBHOOK_DISABLE_AFTER_MS is turned off, with the time and the
 * reason, its pending deliveries stop, and every admin is told in the app (pushed to their
 * sockets once committed) and by e-mail.
 */
@Injectable()
export class WebhookHealth {
  private readonly logger = new Logger('WebhookHealth');

  constructor(
    private readonly config: NotificationServiceConfig,
    private readonly unitOfWork: OutboxUnitOfWork,
    private readonly notifyDisabled: NotifyWebhookDisabledHandler,
    private readonly hub: NotificationHub,
  ) {}

  /**
   * Takes a batch's outcomes in; returns the pushes to make once the transaction has committed.
   * Subscriptions are updated in the order of their ids, so two senders never wait for each other
   * in a circle.
   */
  async record(
    manager: EntityManager,
    outcomes: readonly AttemptOutcome[],
  ): Promise<(() => void) | undefined> {
    const streaks = new Map<
      string,
      { succeeded: boolean; firstFailure?: Date; lastFailure?: Date }
    >();
    for (const outcome of outcomes) {
      const streak = streaks.get(outcome.subscriptionId) ?? { succeeded: false };
      if (!outcome.failed) streak.succeeded = true;
      else {
        if (!streak.firstFailure || outcome.at < streak.firstFailure)
          streak.firstFailure = outcome.at;
        if (!streak.lastFailure || outcome.at > streak.lastFailure) streak.lastFailure = outcome.at;
      }
      streaks.set(outcome.subscriptionId, streak);
    }
    const told: Notification[] = [];
    for (const id of [...streaks.keys()].sort()) {
      const streak = streaks.get(id)!;
      if (streak.succeeded || !streak.firstFailure || !streak.lastFailure) {
        await manager.query(
          `UPDATE ${s}.webhook_subscriptions SET failing_since = NULL
            WHERE id = $1 AND failing_since IS NOT NULL`,
          [id],
        );
        continue;
      }
      told.push(...(await this.failed(manager, id, streak.firstFailure, streak.lastFailure)));
    }
    return told.length > 0 ? () => void this.hub.push(told) : undefined;
  }

  private async failed(
    manager: EntityManager,
    id: string,
    firstFailure: Date,
    lastFailure: Date,
  ): Promise<Notification[]> {
    // An UPDATE answers [rows, count] (TypeORM).
    const [[row]]: [{ failing_since: Date; active: boolean }[], number] = await manager.query(
      `UPDATE ${s}.webhook_subscriptions SET failing_since = coalesce(failing_since, $2)
        WHERE id = $1
        RETURNING failing_since, active`,
      [id, firstFailure],
    );
    const disableAfterMs = this.config.WEBHOOK_DISABLE_AFTER_MS;
    if (row === undefined || !row.active || disableAfterMs === 0) return [];
    if (lastFailure.getTime() - row.failing_since.getTime() < disableAfterMs) return [];
    // A success since then (its reset lost, say) means the streak is younger than it says.
    const [succeeded]: unknown[] = await manager.query(
      `SELECT 1 FROM ${s}.webhook_deliveries
        WHERE subscription_id = $1 AND status = 'succeeded' AND last_attempt_at >= $2
        LIMIT 1`,
      [id, row.failing_since],
    );
    if (succeeded !== undefined) {
      await manager.query(
        `UPDATE ${s}.webhook_subscriptions SET failing_since = $2 WHERE id = $1`,
        [id, firstFailure],
      );
      return [];
    }
    return this.turnOff(manager, id, row.failing_since, lastFailure);
  }

  private async turnOff(
    manager: EntityManager,
    id: string,
    failingSince: Date,
    at: Date,
  ): Promise<Notification[]> {
    const reason = `every delivery failed, with no success since ${failingSince.toISOString()}`;
    const [[turnedOff]]: [{ url: string }[], number] = await manager.query(
      `UPDATE ${s}.webhook_subscriptions
          SET active = false, disabled_at = $2, disabled_reason = $3
        WHERE id = $1 AND active
        RETURNING url`,
      [id, at, reason],
    );
    if (turnedOff === undefined) return [];
    await stopPendingDeliveries(manager, id, 'webhook turned off: its deliveries kept failing');
    this.logger.warn(`Webhook ${id} turned off: ${reason}`);
    return this.unitOfWork.join(manager, () =>
      this.notifyDisabled.execute({
        eventId: newId(),
        webhookId: id,
        // Scheme, host and port: a path or query may carry a token, and this goes out by mail.
        origin: new URL(turnedOff.url).origin,
        failingSince,
        disabledAt: at,
      }),
    );
  }
}
