import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import type { AuthenticatedUser, SessionSocket } from '@ajla/auth';
import { sendFrame, SequenceCursor } from '@ajla/platform';
import type { WebSocket } from 'ws';
import type { Caller } from '../../application/ports/caller';
import type { ConversationRepository } from '../../domain/conversation/conversation.repository.port';
import type { Conversation } from '../../domain/conversation/conversation.aggregate';
import type { ConversationId } from '../../domain/ids';
import { MessageResponse } from '../web/dto/message.response';
import type { ChatHub, ChatPeer, MessageFrame } from './chat-hub';

/** What the handshake established for one chat socket (`ChatGateway.admit`). */
export interface ChatAdmission {
  conversation: Conversation;
  caller: Caller;
  /** The token it was opened with: what a revocation is matched against. */
  token: AuthenticatedUser;
  afterSeq: number | undefined;
}

export interface ChatConnectionDeps {
  hub: ChatHub;
  conversations: ConversationRepository;
  logger: LoggerService;
}

/**
 * One open chat WebSocket as the conversation sees it: the conversation's messages out in seq
 * order through its cursor, then typing and read marks. (Frames in are the gateway's handlers'.)
 */
export class ChatConnection implements ChatPeer, SessionSocket {
  readonly id = randomUUID();
  private readonly cursor: SequenceCursor<MessageFrame>;
  readonly conversationId: ConversationId;
  readonly conversation: Conversation;
  readonly caller: Caller;
  readonly token: AuthenticatedUser;
  private readonly afterSeq: number | undefined;

  constructor(
    private readonly ws: WebSocket,
    admission: ChatAdmission,
    private readonly deps: ChatConnectionDeps,
  ) {
    const conversationId = admission.conversation.id;
    this.conversationId = conversationId;
    this.conversation = admission.conversation;
    this.caller = admission.caller;
    this.token = admission.token;
    this.afterSeq = admission.afterSeq;
    this.cursor = new SequenceCursor<MessageFrame>({
      fetchAfter: async (afterSeq, limit) => {
        const rows = await deps.conversations.messagesAfter(conversationId, afterSeq, limit);
        return rows.map((message) => ({
          seq: message.seq,
          frame: JSON.stringify({ type: 'message', message: MessageResponse.from(message) }),
        }));
      },
      deliver: (message) => sendFrame(this.ws, message.frame),
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
   * Joins the conversation's fan-out, then sends every stored message after the admission's
   * `afterSeq` (none before the present when it is undefined) and from then on the live ones.
   */
  async start(): Promise<void> {
    await this.deps.hub.join(this.conversationId, this);
    // Subscribed first, then caught up from the database: nothing committed in between is lost.
    await this.cursor.start(this.afterSeq ?? this.conversation.lastSeq);
  }

  /** Leaves the fan-out (the socket closed). */
  stop(): void {
    this.cursor.stop();
    this.deps.hub.leave(this.conversationId, this);
  }

  offerMessage(message: MessageFrame): void {
    this.cursor.offer(message);
  }

  sendEvent(frame: string): void {
    sendFrame(this.ws, frame);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }
}
