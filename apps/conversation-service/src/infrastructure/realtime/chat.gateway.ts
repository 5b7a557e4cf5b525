import type { IncomingMessage } from 'node:http';
import { Inject, Logger, Optional, UseFilters } from '@nestjs/common';
import {
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import {
  SessionRevocations,
  SessionSockets,
  WsHandshakeVerifier,
  bearerSubprotocol,
} from '@ajla/auth';
import {
  ErrorFrameFilter,
  METRICS_REGISTRY,
  type TypedFrame,
  type WsGatewayServer,
  type WsUpgrade,
} from '@ajla/platform';
import { ValidationError } from '@ajla/shared-kernel';
import type { Registry } from 'prom-client';
import type { WebSocket } from 'ws';
import { JoinChatHandler } from '../../application/join-chat/join-chat.handler';
import type { Caller } from '../../application/ports/caller';
import { MarkReadHandler } from '../../application/mark-read/mark-read.handler';
import { PostMessageHandler } from '../../application/post-message/post-message.handler';
import {
  CONVERSATION_REPOSITORY,
  type ConversationRepository,
} from '../../domain/conversation/conversation.repository.port';
import type { UserId } from '../../domain/ids';
import { ConversationServiceConfig } from '../../config/conversation-service.config';
import { MessageResponse } from '../web/dto/message.response';
import { ChatConnection, type ChatAdmission, type ChatConnectionDeps } from './chat-connection';
import { chatFrame } from './chat-frames';
import { ChatHub } from './chat-hub';

const AFTER_SEQ = /^\d{1,10}$/;
/** Seqs are Postgres `integer`s. */
const MAX_SEQ = 2_147_483_647;

/**
 * `GET /ws/chat/{conversation_id}`, a gateway on the platform's `WsGatewayAdapter`: the upgrade is
 * checked (`after_seq`, token, access) before it is accepted, so refusals are plain HTTP
 * 400/401/404 answers; each frame goes to the handler of its `type`, one at a time per
 * connection. A revoked session's connections (and those of a user whose access changed) are
 * closed with 1008 as soon as the revocation list hears of it (`SessionSockets`). (Heartbeats,
 * the rate limit and 1001 on shutdown are the adapter's.)
 */
@WebSocketGateway({
  path: '/ws/chat/:conversation_id',
  // Browsers send the token as the subprotocol pair `bearer, <token>`: answer `bearer`.
  handleProtocols: bearerSubprotocol,
})
@UseFilters(ErrorFrameFilter)
export class ChatGateway
  implements
    OnGatewayInit<WsGatewayServer<ChatAdmission>>,
    OnGatewayConnection<WebSocket>,
    OnGatewayDisconnect<WebSocket>
{
  private readonly logger = new Logger(ChatGateway.name);
  private readonly sockets: SessionSockets<ChatConnection>;
  private readonly deps: ChatConnectionDeps;

  constructor(
    private readonly handshake: WsHandshakeVerifier,
    private readonly joinChat: JoinChatHandler,
    private readonly hub: ChatHub,
    @Inject(CONVERSATION_REPOSITORY) conversations: ConversationRepository,
    private readonly postMessage: PostMessageHandler,
    private readonly markRead: MarkReadHandler,
    private readonly config: ConversationServiceConfig,
    revocations: SessionRevocations,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    this.deps = { hub, conversations, logger: this.logger };
    this.sockets = new SessionSockets(revocations, {
      metrics: { name: 'chat', noun: 'chat', registry },
      logger: this.logger,
      describe: (connection) => `chat ${connection.conversationId}`,
    });
  }

  afterInit(server: WsGatewayServer<ChatAdmission>): void {
    server.configure({
      admit: (upgrade) => this.admit(upgrade),
      maxPayload: this.config.CHAT_MAX_FRAME_BYTES,
      heartbeatMs: this.config.CHAT_HEARTBEAT_MS,
      rate: { burst: this.config.CHAT_RATE_BURST, perSecond: this.config.CHAT_RATE_PER_SECOND },
      onRefused: this.sockets.refused,
    });
  }

  handleConnection(ws: WebSocket, _request: IncomingMessage, admission: ChatAdmission): void {
    this.sockets.open(ws, new ChatConnection(ws, admission, this.deps));
  }

  /** `code` is the socket's close code (what the ws adapter passes as Nest's "reason"). */
  handleDisconnect(ws: WebSocket, code?: number | string): void {
    this.sockets.closed(ws, code);
  }

  @SubscribeMessage('message.send')
  async send(ws: WebSocket, frame: TypedFrame): Promise<object> {
    const { content, client_id } = chatFrame['message.send'](frame);
    const connection = this.sockets.of(ws);
    const { message } = await this.postMessage.execute({
      caller: connection.caller,
      conversationId: connection.conversationId,
      content,
      clientId: client_id,
      conversation: connection.conversation,
    });
    return { type: 'ack', client_id, message: MessageResponse.from(message) };
  }

  @SubscribeMessage('typing')
  typing(ws: WebSocket, frame: TypedFrame): void {
    const { is_typing } = chatFrame.typing(frame);
    const connection = this.sockets.of(ws);
    this.hub.typing(connection, connection.caller.id, is_typing);
  }

  @SubscribeMessage('read')
  async read(ws: WebSocket, frame: TypedFrame): Promise<void> {
    const { seq } = chatFrame.read(frame);
    const connection = this.sockets.of(ws);
    await this.markRead.execute({
      caller: connection.caller,
      conversationId: connection.conversationId,
      seq,
    });
  }

  @SubscribeMessage('ping')
  ping(_ws: WebSocket, frame: TypedFrame): object {
    chatFrame.ping(frame);
    return { type: 'pong' };
  }

  /** The upgrade's check: `after_seq`, then the token, then the caller's access. */
  private async admit({ params, query, request }: WsUpgrade): Promise<ChatAdmission> {
    const rawAfter = query.get('after_seq');
    if (rawAfter !== null && (!AFTER_SEQ.test(rawAfter) || Number(rawAfter) > MAX_SEQ)) {
      throw new ValidationError(`after_seq must be an integer from 0 to ${MAX_SEQ}`);
    }
    const token = await this.handshake.authenticate(request);
    const caller: Caller = { id: token.id.toLowerCase() as UserId, role: token.role };
    const conversation = await this.joinChat.execute({
      caller,
      conversationId: params.conversation_id!,
    });
    return {
      conversation,
      caller,
      token,
      afterSeq: rawAfter === null ? undefined : Number(rawAfter),
    };
  }
}
