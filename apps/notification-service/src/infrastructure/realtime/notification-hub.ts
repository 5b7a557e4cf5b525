import { Inject, Injectable, Logger } from '@nestjs/common';
import { REDIS } from '@ajla/platform';
import type { Redis } from 'ioredis';
import type { Notification } from '../../domain/notification/notification';
import type { UserId } from '../../domain/user-id';
import { NotificationServiceConfig } from '../../config/notification-service.config';
import { NotificationResponse } from '../web/dto/notification.response';

/** A stored notification ready to send: its seq (to skip what a resume already sent) and frame. */
export interface LiveNotification {
  seq: number;
  frame: string;
}

/** What the hub needs of an open notifications socket. */
export interface NotificationPeer {
  readonly recipientId: UserId;
  offer(notification: LiveNotification): void;
}

/** What goes over Redis: `s` the seq, `f` the frame, built once by the replica that stored it. */
interface FanoutPayload {
  s: number;
  f: string;
}

/** The frame of one notification (API.md). */
export function notificationFrame(notification: Notification): LiveNotification {
  return {
    seq: notification.seq,
    frame: JSON.stringify({
      type: 'notification',
      notification: NotificationResponse.from(notification),
    }),
  };
}

/**
 * Fan-out of stored notifications to every replica, through Redis pub/sub: one channel per
 * recipient (`<REDIS_KEY_PREFIX>notifications:<user id>`), which a replica subscribes to while it
 * holds a socket of that person. Per recipient rather than one channel for all: a replica hears
 * only of the people connected to it, not of every notification of every user. Everything goes
 * through Redis, this replica's own sockets too, so each socket gets each push once.
 */
@Injectable()
export class NotificationHub {
  private readonly logger = new Logger(NotificationHub.name);
  private readonly peers = new Map<UserId, Set<NotificationPeer>>();
  private readonly subscriptions = new Map<string, Promise<unknown>>();
  private subscriber?: Redis;
  private readonly channelPrefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    config: NotificationServiceConfig,
  ) {
    this.channelPrefix = `${config.REDIS_KEY_PREFIX}notifications:`;
  }

  /** Adds a socket; resolves once its recipient's channel is subscribed on this replica. */
  async join(peer: NotificationPeer): Promise<void> {
    let local = this.peers.get(peer.recipientId);
    if (local === undefined) {
      local = new Set();
      this.peers.set(peer.recipientId, local);
    }
    local.add(peer);
    const channel = this.channelOf(peer.recipientId);
    let subscribed = this.subscriptions.get(channel);
    if (subscribed === undefined) {
      subscribed = this.subscriberClient()
        .subscribe(channel)
        .catch((error: unknown) => {
          this.subscriptions.delete(channel);
          throw error;
        });
      this.subscriptions.set(channel, subscribed);
    }
    await subscribed;
  }

  leave(peer: NotificationPeer): void {
    const local = this.peers.get(peer.recipientId);
    if (local === undefined || !local.delete(peer) || local.size > 0) return;
    this.peers.delete(peer.recipientId);
    const channel = this.channelOf(peer.recipientId);
    this.subscriptions.delete(channel);
    this.subscriber?.unsubscribe(channel).catch(() => undefined);
  }

  /**
   * Pushes committed notifications to their recipients' sockets, wherever they are. One that
   * does not get through (Redis down) is still found by the next resume (`after`).
   */
  push(notifications: readonly Notification[]): Promise<void> {
    if (notifications.length === 0) return Promise.resolve();
    const pipeline = this.redis.pipeline();
    for (const notification of notifications) {
      const { seq, frame } = notificationFrame(notification);
      const payload: FanoutPayload = { s: seq, f: frame };
      pipeline.publish(this.channelOf(notification.recipientId), JSON.stringify(payload));
    }
    return pipeline.exec().then(
      (results) => {
        const failed = (results ?? []).filter(([error]) => error !== null).length;
        if (failed > 0) this.logger.warn(`${failed} live push(es) failed`);
      },
      (error: unknown) => {
        this.logger.warn(`live pushes failed: ${(error as Error).message}`);
      },
    );
  }

  /** Sockets on this replica (for tests and metrics). */
  get size(): number {
    let count = 0;
    for (const local of this.peers.values()) count += local.size;
    return count;
  }

  async close(): Promise<void> {
    this.peers.clear();
    this.subscriptions.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber === undefined || subscriber.status === 'end') return;
    await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private channelOf(recipientId: UserId): string {
    return `${this.channelPrefix}${recipientId}`;
  }

  private subscriberClient(): Redis {
    if (this.subscriber === undefined) {
      // A subscribed connection can do nothing else: one of its own, created on first use, with
      // no ready check (its INFO is no subscriber command: see conversation-service's ChatHub).
      const subscriber = this.redis.duplicate({ enableReadyCheck: false });
      subscriber.on('message', (channel: string, raw: string) => this.onRedisMessage(channel, raw));
      subscriber.on('error', () => undefined); // logged by the main client's handler
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }

  private onRedisMessage(channel: string, raw: string): void {
    if (!channel.startsWith(this.channelPrefix)) return;
    const local = this.peers.get(channel.slice(this.channelPrefix.length) as UserId);
    if (local === undefined) return;
    let payload: FanoutPayload;
    try {
      payload = JSON.parse(raw) as FanoutPayload;
    } catch {
      this.logger.warn(`ignored a malformed fan-out payload on ${channel}`);
      return;
    }
    for (const peer of local) peer.offer({ seq: payload.s, frame: payload.f });
  }
}
