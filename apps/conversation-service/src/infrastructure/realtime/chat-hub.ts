import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { REDIS, RedisFanout } from '@ajla/platform';
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

/** What goes over Redis: a stored message (`m`), or an event (`e`) for all but its origin `o`. */
type FanoutPayload = { k: 'm'; seq: number; f: string } | { k: 'e'; f: string; o?: string };

/** Hands one fan-out payload to a conversation's connections on this replica. */
function deliver(peers: ReadonlySet<ChatPeer>, payload: FanoutPayload): void {
  for (const peer of peers) {
    if (payload.k === 'm') peer.offerMessage({ seq: payload.seq, frame: payload.f });
    else if (payload.o !== peer.id) peer.sendEvent(payload.f);
  }
}

/**
 * Fan-out of a conversation's live traffic to every replica (the platform's `RedisFanout`, keyed
 * by conversation): one channel per conversation (`<REDIS_KEY_PREFIX>chat:<id>`), which a replica
 * subscribes to while it holds a connection of that conversation (`join`, `leave`). A stored
 * message is published after its commit; this replica's connections get what it publishes at
 * once, the others' through Redis, each connection once.
 */
@Injectable()
export class ChatHub
  extends RedisFanout<ConversationId, ChatPeer, FanoutPayload>
  implements ChatNotifier, OnApplicationShutdown
{
  constructor(@Inject(REDIS) redis: Redis, config: ConversationServiceConfig) {
    const channelPrefix = `${config.REDIS_KEY_PREFIX}chat:`;
    super({ redis, channelPrefix, deliver, log: new Logger(ChatHub.name) });
  }

  messageStored(message: Message): void {
    const payload: FanoutPayload = {
      k: 'm',
      seq: message.seq,
      f: JSON.stringify({ type: 'message', message: MessageResponse.from(message) }),
    };
    // Other replicas' connections get it when a later one reveals the gap, should this be lost.
    this.publish(message.conversationId, payload);
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

  /** After the adapter closed every socket (1001): the fan-out's Redis subscriber goes. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
