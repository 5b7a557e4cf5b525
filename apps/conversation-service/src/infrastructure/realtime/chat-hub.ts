import { Inject, Injectable, Logger } from '@nestjs/common';
import { REDIS } from '@ajla/platform';
import type { Redis } from 'ioredis';
import type { ChatNotifier } from '../../application/ports/chat-notifier.port';
import type { Message } from '../../domain/conversation/message.aggregate';
import type { ConversationId, UserId } from '../../domain/ids';
import { ConversationServiceConfig } from '../../config/conversation-service.config';
import { MessageResponse } from '../web/dto/message.response';

/** A message ready to send: its seq (for the connection's cursor) and its frame, built once. */
export interface MessageFrame {
  seq: number;
  frame: string;
}

/** What the hub needs of an open chat connection. */
export interface ChatPeer {
  readonly id: string;
  readonly conversationId: ConversationId;
  offerMessage(message: MessageFrame): void;
  /** A frame for everyone (read marks) or for everyone but the peer it came from (typing). */
  sendEvent(frame: string): void;
}

type FanoutPayload = { k: 'm'; seq: number; f: string } | { k: 'e'; f: string; o?: string };

/**
 * Fan-out of a conversation's live traffic to every replica, through Redis pub/sub: one channel
 * per conversation (`<REDIS_KEY_PREFIX>chat:<id>`), which a replica subscribes to while it holds
 * a connection of that conversation. A stored message is published after its commit and also
 * handed straight to this replica's connections (the cursor drops the copy that comes back from
 * Redis); typing and read marks go through Redis only, so every connection gets them once.
 */
@Injectable()
export class ChatHub implements ChatNotifier {
  private readonly logger = new Logger(ChatHub.name);
  private readonly peers = new Map<ConversationId, Set<ChatPeer>>();
  private readonly subscriptions = new Map<string, Promise<unknown>>();
  private subscriber?: Redis;
  private readonly channelPrefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    config: ConversationServiceConfig,
  ) {
    this.channelPrefix = `${config.REDIS_KEY_PREFIX}chat:`;
  }

  /** Adds a connection; resolves once its conversation's channel is subscribed on this replica. */
  async join(peer: ChatPeer): Promise<void> {
    let local = this.peers.get(peer.conversationId);
    if (local === undefined) {
      local = new Set();
      this.peers.set(peer.conversationId, local);
    }
    local.add(peer);
    const channel = this.channelOf(peer.conversationId);
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

  leave(peer: ChatPeer): void {
    const local = this.peers.get(peer.conversationId);
    if (local === undefined || !local.delete(peer) || local.size > 0) return;
    this.peers.delete(peer.conversationId);
    const channel = this.channelOf(peer.conversationId);
    this.subscriptions.delete(channel);
    this.subscriber?.unsubscribe(channel).catch(() => undefined);
  }

  messageStored(message: Message): void {
    const frame: MessageFrame = {
      seq: message.seq,
      frame: JSON.stringify({ type: 'message', message: MessageResponse.from(message) }),
    };
    this.dispatch(message.conversationId, { k: 'm', seq: frame.seq, f: frame.frame });
    this.publish(message.conversationId, { k: 'm', seq: frame.seq, f: frame.frame });
  }

  readMoved(conversationId: ConversationId, userId: UserId, seq: number): void {
    this.publish(conversationId, {
      k: 'e',
      f: JSON.stringify({ type: 'read', user_id: userId, seq }),
    });
  }

  typing(from: ChatPeer, userId: UserId, isTyping: boolean): void {
    this.publish(from.conversationId, {
      k: 'e',
      f: JSON.stringify({ type: 'typing', user_id: userId, is_typing: isTyping }),
      o: from.id,
    });
  }

  /** Connections of this replica (for tests and metrics). */
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

  private channelOf(conversationId: ConversationId): string {
    return `${this.channelPrefix}${conversationId}`;
  }

  private subscriberClient(): Redis {
    if (this.subscriber === undefined) {
      // A subscribed connection can do nothing else: one of its own, created on first use. No
      // ready check: its INFO is not a subscriber command, and SUBSCRIBEs written while the
      // connection is still being checked (many sockets opening at once) put it in subscriber
      // mode first, which failed the check and the joins behind it.
      const subscriber = this.redis.duplicate({ enableReadyCheck: false });
      subscriber.on('message', (channel: string, raw: string) => this.onRedisMessage(channel, raw));
      subscriber.on('error', () => undefined); // logged by the main client's handler
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }

  private onRedisMessage(channel: string, raw: string): void {
    if (!channel.startsWith(this.channelPrefix)) return;
    const conversationId = channel.slice(this.channelPrefix.length) as ConversationId;
    let payload: FanoutPayload;
    try {
      payload = JSON.parse(raw) as FanoutPayload;
    } catch {
      this.logger.warn(`ignored a malformed fan-out payload on ${channel}`);
      return;
    }
    this.dispatch(conversationId, payload);
  }

  private dispatch(conversationId: ConversationId, payload: FanoutPayload): void {
    const local = this.peers.get(conversationId);
    if (local === undefined) return;
    for (const peer of local) {
      if (payload.k === 'm') peer.offerMessage({ seq: payload.seq, frame: payload.f });
      else if (payload.o !== peer.id) peer.sendEvent(payload.f);
    }
  }

  private publish(conversationId: ConversationId, payload: FanoutPayload): void {
    this.redis.publish(this.channelOf(conversationId), JSON.stringify(payload)).catch((error) => {
      // Other replicas' connections get the message when a later one reveals the gap, or on resume.
      this.logger.warn(`fan-out to ${conversationId} failed: ${(error as Error).message}`);
    });
  }
}
