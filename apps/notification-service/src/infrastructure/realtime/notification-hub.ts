import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { REDIS, RedisFanout } from '@ajla/platform';
import type { Redis } from 'ioredis';
import type { Notification } from '../../domain/notification/notification';
import type { UserId } from '../../domain/user-id';
import { NotificationServiceConfig } from '../../config/notification-service.config';
import { NotificationResponse } from '../web/dto/notification.response';

/** A stored notification ready to send: its seq (its place among its recipient's) and frame. */
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

function deliver(peers: ReadonlySet<NotificationPeer>, payload: FanoutPayload): void {
  for (const peer of peers) peer.offer({ seq: payload.s, frame: payload.f });
}

function payloadOf(notification: Notification): FanoutPayload {
  const { seq, frame } = notificationFrame(notification);
  return { s: seq, f: frame };
}

const recipientOf = (notification: Notification): UserId => notification.recipientId;

/**
 * Fan-out of stored notifications to every replica (the platform's `RedisFanout`, keyed by
 * recipient): one channel per recipient (`<REDIS_KEY_PREFIX>notifications:<user id>`), which a
 * replica subscribes to while it holds a socket of that person. Per recipient rather than one
 * channel for all: a replica hears only of the people connected to it, not of every notification
 * of every user. This replica's own sockets get a push at once, the others' through Redis; each
 * socket's cursor puts them in seq order.
 */
@Injectable()
export class NotificationHub
  extends RedisFanout<UserId, NotificationPeer, FanoutPayload>
  implements OnApplicationShutdown
{
  constructor(@Inject(REDIS) redis: Redis, config: NotificationServiceConfig) {
    const channelPrefix = `${config.REDIS_KEY_PREFIX}notifications:`;
    super({ redis, channelPrefix, deliver, log: new Logger(NotificationHub.name) });
  }

  /**
   * Pushes committed notifications to their recipients' sockets: this replica's at once, the
   * others' in one round trip to Redis. One that does not get through (Redis down) is still found
   * by the next resume (`after`).
   */
  push(notifications: readonly Notification[]): Promise<void> {
    return this.publishEach(notifications, recipientOf, payloadOf);
  }

  /** After the adapter closed every socket (1001): the fan-out's Redis subscriber goes. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
