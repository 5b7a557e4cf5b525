import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { coalesceWrites, runWithRequestContext, type RequestContext } from '@ajla/platform';
import { DomainError } from '@ajla/shared-kernel';
import { WebSocket, type RawData } from 'ws';
import type { MarkReadHandler } from '../../application/mark-read/mark-read.handler';
import type { Caller } from '../../application/ports/caller';
import type { PostMessageHandler } from '../../application/post-message/post-message.handler';
import type { ConversationRepository } from '../../domain/conversation/conversation.repository.port';
import type { Conversation } from '../../domain/conversation/conversation.aggregate';
import type { ConversationId } from '../../domain/ids';
import { MessageResponse } from '../web/dto/message.response';
import { FrameError, parseClientFrame } from './chat-frames';
import type { ChatHub, ChatPeer, MessageFrame } from './chat-hub';
import { MessageCursor } from './message-cursor';
import { TokenBucket } from './token-bucket';

export interface ChatConnectionDeps {
  hub: ChatHub;
  conversations: ConversationRepository;
  postMessage: PostMessageHandler;
  markRead: MarkReadHandler;
  logger: LoggerService;
  rate: { burst: number; perSecond: number };
}

/**
 * One open chat WebSocket: frames in (validated, rate-limited, handled by the use cases), and the
 * conversation's messages out in seq order through its cursor, then typing and read marks.
 */
export class ChatConnection implements ChatPeer {
  readonly id = randomUUID();
  /** Answered the last heartbeat ping (or sent something since). */
  alive = true;
  private readonly cursor: MessageCursor<MessageFrame>;
  private readonly bucket: TokenBucket;
  /** Frames are handled one after the other: a sender's messages keep the order it sent them in. */
  private handling: Promise<void> = Promise.resolve();
  private flooded = false;

  readonly conversationId: ConversationId;

  constructor(
    private readonly ws: WebSocket,
    private readonly conversation: Conversation,
    private readonly caller: Caller,
    private readonly context: RequestContext,
    private readonly deps: ChatConnectionDeps,
  ) {
    const conversationId = conversation.id;
    this.conversationId = conversationId;
    this.bucket = new TokenBucket(deps.rate.burst, deps.rate.perSecond);
    this.cursor = new MessageCursor<MessageFrame>({
      fetchAfter: async (afterSeq, limit) => {
        const rows = await deps.conversations.messagesAfter(conversationId, afterSeq, limit);
        return rows.map((message) => ({
          seq: message.seq,
          frame: JSON.stringify({ type: 'message', message: MessageResponse.from(message) }),
        }));
      },
      deliver: (message) => this.send(message.frame),
      onError: (error) => {
        deps.logger.error(
          `chat ${conversationId}: could not read messages: ${String(error)}`,
          undefined,
          'ChatConnection',
        );
        // Better a resume elsewhere than a connection that silently misses messages.
        this.ws.close(1011, 'internal error');
      },
    });
  }

  /**
   * Joins the conversation's fan-out, then sends every stored message after `afterSeq` (none
   * before the present when it is undefined) and from then on the live ones.
   */
  async start(afterSeq: number | undefined): Promise<void> {
    this.ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    this.ws.on('pong', () => {
      this.alive = true;
    });
    this.ws.once('close', () => this.stop());
    await this.deps.hub.join(this);
    // Subscribed first, then caught up from the database: nothing committed in between is lost.
    await this.cursor.start(afterSeq ?? this.conversation.lastSeq);
  }

  offerMessage(message: MessageFrame): void {
    this.cursor.offer(message);
  }

  sendEvent(frame: string): void {
    this.send(frame);
  }

  /** Closes the connection (shutdown: 1001, clients resume elsewhere with their last seq). */
  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  /** Calls `callback` once the connection is closed (at once if it is). */
  onClosed(callback: () => void): void {
    if (this.ws.readyState === WebSocket.CLOSED) callback();
    else this.ws.once('close', callback);
  }

  terminate(): void {
    this.ws.terminate();
  }

  ping(): void {
    this.alive = false;
    this.ws.ping();
  }

  private stop(): void {
    this.cursor.stop();
    this.deps.hub.leave(this);
  }

  private send(frame: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    // A sender's `message` and `ack` (sent in the same tick) leave in one TCP write.
    coalesceWrites(this.ws);
    this.ws.send(frame);
  }

  private sendError(code: string, detail: string): void {
    this.send(JSON.stringify({ type: 'error', code, detail }));
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    this.alive = true;
    if (this.flooded) return;
    if (!this.bucket.take()) {
      // The frames taken before are still answered; nothing after them is.
      this.flooded = true;
      this.handling = this.handling.then(() => this.ws.close(1008, 'rate limit exceeded'));
      return;
    }
    if (isBinary) {
      this.sendError('invalid_frame', 'frames are JSON text');
      return;
    }
    const text = String(data);
    this.handling = this.handling.then(() =>
      runWithRequestContext(this.context, () =>
        this.handle(text).catch((error: unknown) => this.onHandlerError(error)),
      ),
    );
  }

  private async handle(text: string): Promise<void> {
    const frame = parseClientFrame(text);
    switch (frame.type) {
      case 'ping':
        this.send('{"type":"pong"}');
        return;
      case 'typing':
        this.deps.hub.typing(this, this.caller.id, frame.is_typing);
        return;
      case 'read':
        await this.deps.markRead.execute({
          caller: this.caller,
          conversationId: this.conversationId,
          seq: frame.seq,
        });
        return;
      case 'message.send': {
        const { message } = await this.deps.postMessage.execute({
          caller: this.caller,
          conversationId: this.conversationId,
          content: frame.content,
          clientId: frame.client_id,
          conversation: this.conversation,
        });
        this.send(
          JSON.stringify({
            type: 'ack',
            client_id: frame.client_id,
            message: MessageResponse.from(message),
          }),
        );
        return;
      }
    }
  }

  private onHandlerError(error: unknown): void {
    if (error instanceof FrameError) {
      this.sendError(error.code, error.message);
    } else if (error instanceof DomainError) {
      this.sendError(error.reason, error.message);
    } else {
      this.deps.logger.error(
        `chat ${this.conversationId}: frame failed: ${String(error)}`,
        (error as Error)?.stack,
        'ChatConnection',
      );
      this.sendError('internal', 'Internal server error');
    }
  }
}
